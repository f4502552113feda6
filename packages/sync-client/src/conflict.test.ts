import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loggedInDevice, syncUntil } from "./test-support/device.ts";
import { converge } from "./test-support/snapshot.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function twoDevicesWithAsset(name: string) {
  const a = await loggedInDevice(server.url, "tech1@northwind.test");
  const b = await loggedInDevice(server.url, "tech2@northwind.test");
  await a.engine.sync();
  const id = await a.engine.store.create("asset", { name, location: "Hall 1" });
  await a.engine.sync();
  await syncUntil([b], async () => (await b.engine.store.get("asset", id)) !== undefined);
  return { a, b, id };
}

test("same field edited on two devices: conflict shown, resolved CLIENT_WINS, both converge", async () => {
  const { a, b, id } = await twoDevicesWithAsset("Boiler X");
  await a.engine.store.update("asset", id, { name: "Boiler X (A)" });
  await b.engine.store.update("asset", id, { name: "Boiler X (B)" });
  expect(await a.engine.sync()).toMatchObject({ applied: 1 });
  expect(await b.engine.sync()).toMatchObject({ applied: 0, conflicts: 1 });

  const [conflict] = await b.engine.store.conflicts();
  expect(conflict).toMatchObject({ entityId: id, conflictingFields: ["name"], clientData: { name: "Boiler X (B)" }, serverData: { name: "Boiler X (A)" } });
  expect(await b.db.outbox.toArray()).toEqual([expect.objectContaining({ status: "conflict", conflictId: conflict!.id })]);
  // The user keeps seeing their own edit, marked pending, until they decide.
  expect(await b.engine.store.get("asset", id)).toMatchObject({ pending: 1, data: expect.objectContaining({ name: "Boiler X (B)" }) });

  const resolved = await b.engine.resolveConflict(conflict!.id, "CLIENT_WINS");
  expect(resolved.change).toMatchObject({ entityId: id, clientVersion: 3 });
  expect(await b.engine.store.conflicts()).toEqual([]);
  expect(await b.db.outbox.count()).toBe(0);

  const view = await converge(a, b);
  expect(view.find((row) => row.id === id)).toMatchObject({ version: 3, data: expect.objectContaining({ name: "Boiler X (B)" }) });
  a.close();
  b.close();
});

test("per-field MERGE keeps chosen values and both sides' other edits", async () => {
  const { a, b, id } = await twoDevicesWithAsset("Pump Y");
  await a.engine.store.update("asset", id, { name: "Pump Y (A)", location: "Hall 2" });
  await b.engine.store.update("asset", id, { name: "Pump Y (B)", notes: "new seal" });
  await a.engine.sync();
  await b.engine.sync();
  const [conflict] = await b.engine.store.conflicts();
  expect(conflict?.conflictingFields).toEqual(["name"]);

  await b.engine.resolveConflict(conflict!.id, "MERGE", { name: "Pump Y (A+B)" });
  const view = await converge(a, b);
  expect(view.find((row) => row.id === id)?.data).toMatchObject({ name: "Pump Y (A+B)", location: "Hall 2", notes: "new seal" });
  a.close();
  b.close();
});

test("SERVER_WINS drops the local edit; a conflict resolved on another device clears here too", async () => {
  const { a, b, id } = await twoDevicesWithAsset("Fan Z");
  await a.engine.store.update("asset", id, { name: "Fan Z (A)" });
  await b.engine.store.update("asset", id, { name: "Fan Z (B)" });
  await a.engine.sync();
  await b.engine.sync();
  const [conflict] = await b.engine.store.conflicts();

  // tech2 resolves it on a second device of theirs; device b learns it on its next sync.
  const other = await loggedInDevice(server.url, "tech2@northwind.test");
  await other.engine.sync();
  expect((await other.engine.store.conflicts()).map((c) => c.id)).toContain(conflict!.id);
  const resolved = await other.engine.resolveConflict(conflict!.id, "SERVER_WINS");

  await b.engine.sync();
  expect(await b.engine.store.conflicts()).toEqual([]);
  expect(await b.db.outbox.count()).toBe(0);
  await syncUntil([b], async () => (await b.engine.store.get("asset", id))?.version === resolved.change?.clientVersion);
  expect(await b.engine.store.get("asset", id)).toMatchObject({ pending: 0, data: expect.objectContaining({ name: "Fan Z (A)" }) });
  a.close();
  b.close();
  other.close();
});

test("edits of different fields merge on the server without a conflict", async () => {
  const { a, b, id } = await twoDevicesWithAsset("Tank T");
  await a.engine.store.update("asset", id, { location: "Hall 9" });
  await b.engine.store.update("asset", id, { notes: "rust on flange" });
  await a.engine.sync();
  expect(await b.engine.sync()).toMatchObject({ applied: 1, conflicts: 0 });
  const view = await converge(a, b);
  expect(view.find((row) => row.id === id)?.data).toMatchObject({ location: "Hall 9", notes: "rust on flange" });
  a.close();
  b.close();
});
