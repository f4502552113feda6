import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { Dexie } from "dexie";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterAll, beforeAll, expect, test } from "vitest";
import { schemaVersion } from "@fieldsync/schema";
import { LocalDb, localSchemaVersion, schemaVersionKey, v1Stores, v2Stores } from "./local-db.ts";
import { upgradeLocalData } from "./local-schema.ts";
import { LocalStore } from "./local-store.ts";
import { SyncEngine } from "./sync-engine.ts";
import { demoPassword, loggedInDevice, syncUntil } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("upgrading a v1 store keeps its unsynced changes, which then reach the server", async () => {
  const factory = new IDBFactory();
  const legacy = new Dexie("fieldsync", { indexedDB: factory, IDBKeyRange });
  legacy.version(1).stores(v1Stores);
  const id = crypto.randomUUID();
  const payload = { name: "Legacy lift", location: "Shaft 1" };
  await legacy.table("entities").put({ type: "asset", id, data: { ...payload, serialNumber: null, notes: null, status: "OPERATIONAL" }, version: 0, pending: 1 });
  await legacy.table("outbox").add({ entityType: "asset", entityId: id, operation: "CREATE", payload, clientVersion: 0, timestamp: new Date().toISOString() });
  legacy.close();

  const db = new LocalDb("fieldsync", { indexedDB: factory, IDBKeyRange });
  await db.open();
  expect(db.verno).toBe(localSchemaVersion);
  const [entry] = await db.outbox.toArray();
  expect(entry).toMatchObject({ entityId: id, operation: "CREATE", baseVersion: 0, status: "pending", attempts: 0, payload });
  expect(entry?.changeId).toMatch(/^[0-9a-f-]{36}$/);
  expect(await db.entities.get(["asset", id])).toMatchObject({ pending: 1, deleted: 0, serverData: null, parents: [] });

  const engine = new SyncEngine({ db, baseUrl: server.url });
  await engine.login("tech1@northwind.test", demoPassword);
  expect(await engine.sync()).toMatchObject({ applied: 1 });

  const other = await loggedInDevice(server.url, "tech2@northwind.test");
  await syncUntil([other], async () => (await other.engine.store.get("asset", id)) !== undefined);
  expect(await other.engine.store.get("asset", id)).toMatchObject({ version: 1, data: expect.objectContaining(payload) });
  db.close();
  other.close();
});

test("upgrading a v2 store indexes every row under its parents and leaves the outbox as it was", async () => {
  const factory = new IDBFactory();
  const legacy = new Dexie("fieldsync", { indexedDB: factory, IDBKeyRange });
  legacy.version(2).stores(v2Stores);
  const [asset, live, deleted] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  const task = (id: string, data: Record<string, unknown> | null, serverData: Record<string, unknown> | null) => ({
    type: "task", id, data, serverData, version: 2, pending: data === null ? 1 : 0, deleted: data === null ? 1 : 0, assetId: asset, updatedAt: new Date().toISOString(),
  });
  const bleed = { title: "Bleed", assetId: asset, status: "OPEN", priority: "NORMAL", dueAt: null, notes: null };
  await legacy.table("entities").bulkPut([task(live, bleed, bleed), task(deleted, null, { ...bleed, title: "Gone" })]);
  const queued = { changeId: crypto.randomUUID(), entityType: "task", entityId: deleted, operation: "DELETE", payload: {}, baseVersion: 2, timestamp: new Date().toISOString(), status: "pending", attempts: 1, conflictId: null, error: null };
  await legacy.table("outbox").add(queued);
  legacy.close();

  const store = new LocalStore(new LocalDb("fieldsync", { indexedDB: factory, IDBKeyRange }));
  await store.db.open();
  expect(store.db.verno).toBe(localSchemaVersion);
  expect(await store.outbox()).toEqual([{ ...queued, seq: 1 }]);
  const rows = await store.db.entities.toArray();
  expect(rows.map((row) => [row.id, row.parents, "assetId" in row])).toEqual(
    expect.arrayContaining([[live, [`assetId=${asset}`], false], [deleted, [`assetId=${asset}`], false]]),
  );
  expect((await store.childrenOf("task", asset)).map((row) => row.id)).toEqual([live]);
  store.db.close();
});

// The upgrade to a newer entity schema version itself runs in schema-upgrade.test.ts, where a
// copy of the repository is at version 2.
test("a new store is stamped with this build's entity schema version, and at that version the upgrade leaves it as it is", async () => {
  const db = new LocalDb("fieldsync", { indexedDB: new IDBFactory(), IDBKeyRange });
  await db.open();
  expect(await db.meta.get(schemaVersionKey)).toEqual({ key: schemaVersionKey, value: schemaVersion });

  const entry = { changeId: crypto.randomUUID(), entityType: "asset" as const, entityId: crypto.randomUUID(), operation: "CREATE" as const, payload: { name: "Kept" }, baseVersion: 0, timestamp: new Date().toISOString(), status: "pending" as const, attempts: 1, conflictId: null, error: null };
  await db.outbox.add(entry);
  await db.meta.put({ key: "syncToken", value: "token-of-this-build" });
  expect(await upgradeLocalData(db)).toBe(false);
  expect(await db.outbox.toArray()).toEqual([expect.objectContaining(entry)]);
  expect(await db.meta.get("syncToken")).toMatchObject({ value: "token-of-this-build" });
  db.close();
});
