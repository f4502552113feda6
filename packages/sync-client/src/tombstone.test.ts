import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loggedInDevice, syncUntil } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("a delete reaches other devices as a tombstone that older versions cannot undo", async () => {
  const a = await loggedInDevice(server.url, "tech1@northwind.test");
  const b = await loggedInDevice(server.url, "tech2@northwind.test");
  await a.engine.sync();
  const id = await a.engine.store.create("asset", { name: "Old crane" });
  await a.engine.sync();
  await syncUntil([b], async () => (await b.engine.store.get("asset", id)) !== undefined);
  const before = await b.engine.store.get("asset", id);
  expect(before).toMatchObject({ version: 1, deleted: 0 });

  await a.engine.store.remove("asset", id);
  expect(await a.engine.store.get("asset", id)).toMatchObject({ deleted: 1, pending: 1, data: null });
  await a.engine.sync();
  await syncUntil([b], async () => (await b.engine.store.get("asset", id))?.deleted === 1);
  expect(await b.engine.store.get("asset", id)).toMatchObject({ version: 2, deleted: 1, data: null, serverData: null });
  expect((await b.engine.store.list("asset")).some((asset) => asset.id === id)).toBe(false);

  // A late page carrying version 1 again must not resurrect it.
  const stale = { entityType: "asset" as const, entityId: id, operation: "UPDATE" as const, payload: before!.serverData!, clientVersion: 1, timestamp: new Date().toISOString(), checksum: null };
  expect(await b.engine.store.applyServerChanges([stale])).toBe(0);
  expect(await b.engine.store.get("asset", id)).toMatchObject({ deleted: 1, version: 2 });
  a.close();
  b.close();
});

test("an offline edit of an entity deleted elsewhere does not bring it back", async () => {
  const a = await loggedInDevice(server.url, "tech1@northwind.test");
  const b = await loggedInDevice(server.url, "tech2@northwind.test");
  await a.engine.sync();
  const id = await a.engine.store.create("asset", { name: "Old mixer" });
  await a.engine.sync();
  await syncUntil([b], async () => (await b.engine.store.get("asset", id)) !== undefined);

  await a.engine.store.remove("asset", id);
  await b.engine.store.update("asset", id, { notes: "still here?" });
  await a.engine.sync();
  const report = await b.engine.sync();
  expect(report.applied).toBe(0);
  expect(report.conflicts + report.rejected).toBe(1);
  await syncUntil([b], async () => (await b.engine.store.get("asset", id))?.serverData === null);
  expect(await b.engine.store.get("asset", id)).toMatchObject({ data: null, deleted: 1 });
  expect(await b.db.outbox.toArray()).toEqual([expect.objectContaining({ status: expect.stringMatching(/conflict|failed/) })]);
  a.close();
  b.close();
});
