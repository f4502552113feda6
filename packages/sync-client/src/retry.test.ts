import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { NetworkError } from "./api-client.ts";
import { loggedInDevice, lossyFetch, syncUntil } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("a push whose answer was lost is re-sent under the same changeIds and applied once", async () => {
  const transport = lossyFetch();
  const device = await loggedInDevice(server.url, "tech1@northwind.test", { fetch: transport.fetch });
  const observer = await loggedInDevice(server.url, "tech2@northwind.test");
  await device.engine.sync();

  const id = await device.engine.store.create("asset", { name: "Compressor K-1" });
  const [queued] = await device.db.outbox.toArray();
  transport.state.dropping = true;
  await expect(device.engine.sync()).rejects.toBeInstanceOf(NetworkError);
  expect(transport.state.dropped).toBeGreaterThan(0);
  expect(await device.db.outbox.toArray()).toEqual([expect.objectContaining({ changeId: queued!.changeId, attempts: 1 })]);
  expect(await device.engine.store.syncState()).toMatchObject({ phase: "offline", failures: 1 });

  transport.state.dropping = false;
  expect(await device.engine.sync()).toMatchObject({ pushed: 1, applied: 1, duplicates: 1 });
  expect(await device.db.outbox.count()).toBe(0);

  // An UPDATE lost the same way must not bump the version twice.
  await device.engine.store.update("asset", id, { location: "Roof" });
  transport.state.dropping = true;
  await expect(device.engine.sync()).rejects.toBeInstanceOf(NetworkError);
  transport.state.dropping = false;
  expect(await device.engine.sync()).toMatchObject({ applied: 1, duplicates: 1 });

  await syncUntil([observer], async () => (await observer.engine.store.get("asset", id))?.version === 2);
  const seen = (await observer.engine.store.list("asset")).filter((asset) => asset.data?.["name"] === "Compressor K-1");
  expect(seen).toEqual([expect.objectContaining({ id, version: 2, data: expect.objectContaining({ location: "Roof" }) })]);
  expect(await device.engine.store.get("asset", id)).toMatchObject({ version: 2, pending: 0 });
  device.close();
  observer.close();
});

test("edits made while a change is unacknowledged are queued behind it and rebased on its version", async () => {
  const transport = lossyFetch();
  const device = await loggedInDevice(server.url, "tech1@northwind.test", { fetch: transport.fetch });
  await device.engine.sync();
  const id = await device.engine.store.create("asset", { name: "Valve V-1" });
  transport.state.dropping = true;
  await expect(device.engine.sync()).rejects.toBeInstanceOf(NetworkError);
  transport.state.dropping = false;

  await device.engine.store.update("asset", id, { name: "Valve V-2" });
  await device.engine.store.update("asset", id, { notes: "stiff" });
  expect((await device.db.outbox.toArray()).map((entry) => entry.operation)).toEqual(["CREATE", "UPDATE"]);

  const report = await device.engine.sync();
  expect(report).toMatchObject({ applied: 2, conflicts: 0, rejected: 0 });
  expect(await device.engine.store.get("asset", id)).toMatchObject({
    version: 2,
    pending: 0,
    data: expect.objectContaining({ name: "Valve V-2", notes: "stiff" }),
  });
  device.close();
});
