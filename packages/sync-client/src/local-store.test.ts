import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { expect, test, vi } from "vitest";
import { LocalDb } from "./local-db.ts";
import { LocalStore } from "./local-store.ts";
import { LocalValidationError } from "./outbox-store.ts";

const openStore = () => new LocalStore(new LocalDb("store-test", { indexedDB: new IDBFactory(), IDBKeyRange }));

test("offline edits of a new entity stay one CREATE with the latest values", async () => {
  const store = openStore();
  const id = await store.create("asset", { name: "  Pump 7 ", location: "Hall 1" });
  await store.update("asset", id, { location: "Hall 2" });
  await store.update("asset", id, { notes: "noisy" });

  const outbox = await store.outbox();
  expect(outbox).toHaveLength(1);
  expect(outbox[0]).toMatchObject({ operation: "CREATE", baseVersion: 0, payload: { name: "Pump 7", location: "Hall 2", notes: "noisy" } });
  expect(await store.get("asset", id)).toMatchObject({ pending: 1, deleted: 0, version: 0, data: { name: "Pump 7", status: "OPERATIONAL" } });
});

test("a new entity and its changes get time-ordered ids (UUID v7), so the server's indexes on them grow at their end", async () => {
  const store = openStore();
  const timeOrdered = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const id = await store.create("asset", { name: "Pump" });
  expect(id).toMatch(timeOrdered);
  const [entry] = await store.outbox();
  expect(entry!.changeId).toMatch(timeOrdered);
});

test("creating and deleting before any sync leaves nothing behind", async () => {
  const store = openStore();
  const id = await store.create("asset", { name: "Temp" });
  await store.remove("asset", id);
  expect(await store.outbox()).toEqual([]);
  expect(await store.get("asset", id)).toBeUndefined();
});

test("an edit after a change was sent becomes a new entry; the sent one is untouched", async () => {
  const store = openStore();
  const id = await store.create("asset", { name: "Pump" });
  const [claimed] = await store.claimBatch(10);
  expect(claimed).toMatchObject({ attempts: 1, operation: "CREATE" });

  await store.update("asset", id, { name: "Pump 2" });
  const outbox = await store.outbox();
  expect(outbox.map((entry) => [entry.operation, entry.attempts, entry.payload["name"]])).toEqual([
    ["CREATE", 1, "Pump"],
    ["UPDATE", 0, "Pump 2"],
  ]);
  expect((await store.get("asset", id))?.data?.["name"]).toBe("Pump 2");
});

test("a batch carries one change per entity, in the order they were made", async () => {
  const store = openStore();
  const a = await store.create("asset", { name: "A" });
  await store.claimBatch(10);
  await store.update("asset", a, { name: "A2" });
  const b = await store.create("asset", { name: "B" });
  const batch = await store.claimBatch(10);
  // A's CREATE is still unacknowledged, so A's UPDATE waits; B goes.
  expect(batch.map((entry) => [entry.entityId, entry.operation])).toEqual([
    [a, "CREATE"],
    [b, "CREATE"],
  ]);
});

test("invalid edits are refused with field paths; no-op edits queue nothing", async () => {
  const store = openStore();
  await expect(store.create("asset", { name: "" })).rejects.toBeInstanceOf(LocalValidationError);
  await expect(store.create("task", { title: "x", assetId: "not-a-uuid" })).rejects.toThrow(/assetId/);
  const id = await store.create("asset", { name: "Same" });
  expect(await store.update("asset", id, { name: "Same" })).toBe(false);
  expect(await store.outbox()).toHaveLength(1);
});

test("a pulled page keeps each entity's newest version and shows local edits on top of it", async () => {
  const store = openStore();
  const mine = crypto.randomUUID();
  const theirs = crypto.randomUUID();
  const change = (id: string, version: number, payload: Record<string, unknown>) => ({
    entityType: "asset" as const, entityId: id, operation: "UPDATE" as const, payload, clientVersion: version,
    timestamp: new Date().toISOString(), checksum: null,
  });
  await store.applyServerChanges([change(mine, 1, { name: "Mine", location: "A" }), change(theirs, 1, { name: "Theirs" })]);
  await store.update("asset", mine, { notes: "local note" });
  // Versions out of order, and one the device already has.
  const applied = await store.applyServerChanges([
    change(theirs, 3, { name: "Theirs v3" }),
    change(theirs, 2, { name: "Theirs v2" }),
    change(mine, 2, { name: "Mine v2", location: "B" }),
    change(theirs, 1, { name: "Theirs v1 again" }),
  ]);
  expect(applied).toBe(2);
  expect(await store.get("asset", theirs)).toMatchObject({ version: 3, pending: 0, data: { name: "Theirs v3" } });
  expect(await store.get("asset", mine)).toMatchObject({
    version: 2, pending: 1, serverData: { name: "Mine v2", location: "B" }, data: { name: "Mine v2", location: "B", notes: "local note" },
  });
});

test("a page finds stored versions at the very edges of its id range, and local edits however long the outbox", async () => {
  const store = openStore();
  const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].sort();
  const change = (id: string, version: number, name: string) => ({
    entityType: "asset" as const, entityId: id, operation: "UPDATE" as const, payload: { name }, clientVersion: version,
    timestamp: new Date().toISOString(), checksum: null,
  });
  await store.applyServerChanges([change(b!, 2, "B v2")]);
  // b is the only stored row: the page's range [b, b] and [a, c] both hold it.
  expect(await store.applyServerChanges([change(b!, 1, "B v1")])).toBe(0);
  expect(await store.applyServerChanges([change(a!, 1, "A"), change(b!, 1, "B v1"), change(c!, 1, "C")])).toBe(2);
  expect((await store.get("asset", b!))?.data?.["name"]).toBe("B v2");

  // More queued edits than the page has keys: the outbox is searched by key.
  await store.update("asset", b!, { notes: "local" });
  await store.create("asset", { name: "New 1" });
  await store.create("asset", { name: "New 2" });
  await store.applyServerChanges([change(b!, 3, "B v3")]);
  expect(await store.get("asset", b!)).toMatchObject({ version: 3, pending: 1, data: { name: "B v3", notes: "local" } });
});

test("a page's creates of entities the device lacks are added without reading their keys; those it holds are judged by version", async () => {
  const db = new LocalDb("store-test", { indexedDB: new IDBFactory(), IDBKeyRange });
  const store = new LocalStore(db);
  const create = (id: string, version: number, name: string) => ({
    entityType: "asset" as const, entityId: id, operation: "CREATE" as const, payload: { name }, clientVersion: version,
    timestamp: new Date().toISOString(), checksum: null,
  });
  const [held, fresh, other] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].sort();
  await store.applyServerChanges([create(held!, 1, "Held"), { ...create(held!, 3, "Held v3"), operation: "UPDATE" }]);
  const local = await store.create("asset", { name: "Made here" });
  await store.update("asset", local, { location: "Bench" });
  const reads = vi.spyOn(db.entities, "bulkGet");

  // Only the held entity and the one created here are read; the others' rows are simply added.
  expect(await store.applyServerChanges([create(held!, 1, "Held again"), create(fresh!, 1, "Fresh"), create(local, 1, "Made here"), create(other!, 2, "Other")])).toBe(3);
  expect(reads.mock.calls.flatMap(([keys]) => keys)).toEqual(expect.arrayContaining([["asset", held], ["asset", local]]));
  expect(reads.mock.calls.flatMap(([keys]) => keys)).toHaveLength(2);
  expect(await store.get("asset", held!)).toMatchObject({ version: 3, data: { name: "Held v3" } });
  expect(await store.get("asset", fresh!)).toMatchObject({ version: 1, pending: 0, data: { name: "Fresh" } });
  expect(await store.get("asset", other!)).toMatchObject({ version: 2, pending: 0, data: { name: "Other" } });
  expect(await store.get("asset", local)).toMatchObject({ version: 1, pending: 1, data: { name: "Made here", location: "Bench" } });

  reads.mockClear();
  expect(await store.applyServerChanges([create(crypto.randomUUID(), 1, "New")])).toBe(1);
  expect(reads).not.toHaveBeenCalled();
});

test("children are found through the registry's reference fields, deleted ones left out", async () => {
  const store = openStore();
  const pump = await store.create("asset", { name: "Pump" });
  const valve = await store.create("asset", { name: "Valve" });
  const task = await store.create("task", { title: "Bleed", assetId: pump });
  const schedule = await store.create("schedule", { title: "Yearly check", intervalDays: 365, nextDueAt: new Date().toISOString(), assetId: pump });
  await store.create("task", { title: "Grease", assetId: valve });
  expect((await store.childrenOf("task", pump)).map((row) => row.id)).toEqual([task]);
  expect((await store.childrenOf("schedule", pump)).map((row) => row.id)).toEqual([schedule]);
  expect(await store.get("task", task)).toMatchObject({ parents: [`assetId=${pump}`] });
  await store.remove("task", task);
  expect(await store.childrenOf("task", pump)).toEqual([]);
});

test("a replayed answer naming an older version leaves a later edit's base where it was", async () => {
  const store = openStore();
  const id = crypto.randomUUID();
  const serverChange = (version: number, name: string) => ({
    entityType: "asset" as const, entityId: id, operation: "UPDATE" as const, clientVersion: version, timestamp: new Date().toISOString(), checksum: null,
    payload: { name, serialNumber: null, location: null, notes: null, status: "OPERATIONAL" },
  });
  await store.applyServerChanges([serverChange(1, "Pump")]);
  await store.update("asset", id, { notes: "mine" });
  const [sent] = await store.claimBatch(10);
  // Its answer is lost; the server applied it as v2, another device made v3, and a pull brought both.
  await store.applyServerChanges([serverChange(2, "Pump"), serverChange(3, "Pump 3")]);
  await store.update("asset", id, { location: "Hall 9" });
  const replay = { index: 0, changeId: sent!.changeId, entityType: "asset" as const, entityId: id, duplicate: true, status: "applied" as const, version: 2, checksum: null, mergedConflictId: null };
  await store.applyPushResults([sent!], { syncToken: "t", position: null, changes: [], conflicts: [], serverTime: new Date().toISOString(), results: [replay], hasMore: false, resetRequired: false, evict: [] });
  expect(await store.outbox()).toMatchObject([{ operation: "UPDATE", payload: { location: "Hall 9" }, baseVersion: 3 }]);
  expect(await store.get("asset", id)).toMatchObject({ version: 3, data: { name: "Pump 3", location: "Hall 9" } });
});

test("the outbox counts as unsettled while an edit waits to be sent or for its conflict, not once it failed for good", async () => {
  const store = openStore();
  expect(await store.unsettled()).toBe(0);
  const first = await store.create("asset", { name: "Pump" });
  await store.create("asset", { name: "Valve" });
  expect(await store.unsettled()).toBe(2);
  const batch = await store.claimBatch(10);
  const [sentFirst] = batch.filter((entry) => entry.entityId === first);
  await store.failEntries([{ entry: sentFirst!, error: { code: "VALIDATION_FAILED", message: "no" } }]);
  expect(await store.unsettled()).toBe(1);
});
