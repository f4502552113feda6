import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checksum } from "@fieldsync/sync-core";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { create, remove, update } from "@fieldsync/testing/changes";
import { demoUsers } from "@fieldsync/api";
import { globexAsset, seededAsset } from "@fieldsync/testing/demo";
import { holdWrites } from "@fieldsync/testing/write-hold";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

const versionOf = async (entityId: string) =>
  (await api.db.syncMetadata.findFirstOrThrow({ where: { entityId } })).version;
const logCount = (entityId: string) => api.db.changeLog.count({ where: { entityId } });

describe("applying changes", () => {
  test("create then update at the current version: applied, version + 1, new version and checksum returned", async () => {
    const id = randomUUID();
    const created = await api.push("tech1", "phone-a", [create(id, { name: "Pump" })]);
    expect(created.results[0]).toMatchObject({ status: "applied", version: 1, duplicate: false, index: 0 });
    const updated = await api.push("tech1", "phone-a", [update(id, 1, { location: "Roof" })]);
    const result = updated.results[0]!;
    expect(result).toMatchObject({ status: "applied", version: 2 });
    const entity = await api.db.asset.findFirstOrThrow({ where: { id } });
    expect(entity).toMatchObject({ name: "Pump", location: "Roof", status: "OPERATIONAL" });
    const meta = await api.db.syncMetadata.findFirstOrThrow({ where: { entityId: id } });
    expect(result.status === "applied" && result.checksum).toBe(meta.checksum);
  });

  test("a batch applies in order: create an asset and a task on it, then edit the task", async () => {
    const assetId = randomUUID();
    const taskId = randomUUID();
    const response = await api.push("tech1", "phone-a", [
      create(assetId, { name: "Fan" }),
      create(taskId, { assetId, title: "Oil bearings" }, "task"),
      update(taskId, 1, { status: "DONE" }, "task"),
    ]);
    expect(response.results.map((r) => r.status)).toEqual(["applied", "applied", "applied"]);
    expect(await api.db.task.findFirstOrThrow({ where: { id: taskId } })).toMatchObject({ status: "DONE", priority: "NORMAL" });
  });

  test("the response carries other devices' changes since the syncToken, never an echo of this push", async () => {
    const first = await api.push("tech2", "tablet-b", []);
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "From A" })]);
    const own = randomUUID();
    const next = await api.push("tech2", "tablet-b", [create(own, { name: "From B" })], first.syncToken);
    const ids = next.changes.map((c) => c.entityId);
    expect(ids).toContain(id);
    expect(ids).not.toContain(own);
    const fromA = next.changes.find((c) => c.entityId === id)!;
    expect(fromA).toMatchObject({ operation: "CREATE", clientVersion: 1, payload: { name: "From A" } });
    expect(fromA.checksum).toBe(await checksum(fromA.payload));
  });
});

describe("the ids a push makes", () => {
  const timeOrdered = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  test("claims and conflicts are keyed by time-ordered UUIDs (v7), so their indexes grow at their end", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Press" })]);
    await api.push("tech2", "tablet-b", [update(id, 1, { name: "Press 2" })]);
    const response = await api.push("tech1", "phone-a", [update(id, 1, { name: "Press X" })]);
    const conflict = response.conflicts[0]!;
    expect(conflict.id).toMatch(timeOrdered);
    const claims = await api.db.syncQueue.findMany({ where: { entityId: id } });
    expect(claims).toHaveLength(3);
    for (const claim of claims) expect(claim.id).toMatch(timeOrdered);
  });
});

describe("a push at the head answers without pulling, and skips nothing", () => {
  /** What another device pulls from `token`: it holds none of these changes, so nothing is left out as its own. */
  const pulledFrom = async (token: string) =>
    (await api.call("tech2", "POST", "/api/sync/delta", { deviceId: "head-reader", pageToken: token })).body.changes.map((c: { entityId: string }) => c.entityId);

  test("a push at the head returns no changes and a token past its own writes", async () => {
    const start = await api.push("tech1", "head-a", []);
    const ids = [randomUUID(), randomUUID()];
    const pushed = await api.push("tech1", "head-a", ids.map((id) => create(id, { name: "At head" })), start.syncToken);
    expect(pushed).toMatchObject({ changes: [], hasMore: false, evict: [] });
    expect(await pulledFrom(start.syncToken)).toEqual(expect.arrayContaining(ids));
    expect(await pulledFrom(pushed.syncToken)).toEqual([]);
  });

  test("another device's change committed in between is returned", async () => {
    const start = await api.push("tech1", "head-a", []);
    const theirs = randomUUID();
    await api.push("tech2", "head-b", [create(theirs, { name: "Theirs" })]);
    const mine = randomUUID();
    const pushed = await api.push("tech1", "head-a", [create(mine, { name: "Mine" })], start.syncToken);
    expect(pushed.changes.map((c) => c.entityId)).toEqual([theirs]);
    expect(await pulledFrom(pushed.syncToken)).toEqual([]);
  });

  test("a delete's cascade under the device's own name still travels to it", async () => {
    const assetId = randomUUID();
    const taskId = randomUUID();
    const created = await api.push("tech1", "head-a", [create(assetId, { name: "Parent" }), create(taskId, { assetId, title: "Child" }, "task")]);
    const deleted = await api.push("tech1", "head-a", [remove(assetId, 1)], created.syncToken);
    expect(deleted.changes.map((c) => [c.entityType, c.entityId, c.operation])).toEqual([["task", taskId, "DELETE"]]);
  });

  test("a change of an older transaction still running when the push commits is not skipped", async () => {
    const start = await api.push("tech1", "head-a", []);
    await api.push("tech2", "head-b", []);
    const hold = await holdWrites(api.db, "Task");
    const [assetId, taskId] = [randomUUID(), randomUUID()];
    // Its transaction takes a txid writing the asset, then waits for the Task table.
    const older = api.push("tech2", "head-b", [create(assetId, { name: "Older" }), create(taskId, { assetId, title: "Late" }, "task")]);
    await vi.waitFor(async () => {
      const [row] = await api.db.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL`;
      expect(row!.n).toBe(1n);
    }, { timeout: 20_000, interval: 10 });
    const pushed = await api.push("tech1", "head-a", [create(randomUUID(), { name: "Newer" })], start.syncToken);
    await hold.release();
    await older;
    expect(await pulledFrom(pushed.syncToken)).toEqual(expect.arrayContaining([assetId, taskId]));
  });

  test("the device's sync is recorded (lastSyncAt, syncToken, its SyncRun), and a reset asked for while the push runs is kept", async () => {
    const start = await api.push("tech1", "head-c", []);
    const before = new Date();
    const hold = await holdWrites(api.db, "Asset");
    const pushing = api.push("tech1", "head-c", [create(randomUUID(), { name: "During reset" })], start.syncToken);
    await vi.waitFor(async () => {
      const [row] = await api.db.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      expect(row!.n).toBe(1n);
    }, { timeout: 20_000, interval: 10 });
    expect((await api.call("tech1", "POST", "/api/sync/cache/invalidate", { deviceId: "head-c" })).status).toBe(200);
    await hold.release();
    const pushed = await pushing;
    const device = await api.db.syncClient.findFirstOrThrow({ where: { deviceId: "head-c" } });
    expect(device).toMatchObject({ syncToken: pushed.syncToken, resyncRequired: true });
    expect(device.lastSyncAt!.getTime()).toBeGreaterThanOrEqual(before.getTime());
    const run = await api.db.syncRun.findFirstOrThrow({ where: { clientId: device.id, kind: "PUSH" }, orderBy: { id: "desc" } });
    expect(run.startedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    const next = await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "head-c", pageToken: pushed.syncToken });
    expect(next.body.resetRequired).toBe(true);
  });
});

describe("exactly once", () => {
  test("a retried push with the same changeId returns the original outcome without a second bump", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Valve" })]);
    const change = update(id, 1, { notes: "tight" });
    const original = await api.push("tech1", "phone-a", [change]);
    // A colleague edits in between: a naive retry would now look like a stale edit.
    await api.push("tech2", "tablet-b", [update(id, 2, { location: "Hall" })]);
    const retry = await api.push("tech1", "phone-a", [change]);
    expect(retry.results[0]).toEqual({ ...original.results[0], duplicate: true });
    expect(retry.conflicts).toEqual([]);
    expect(await versionOf(id)).toBe(3);
    expect(await logCount(id)).toBe(3);
  });

  test("without a changeId, the same device, entity, base version and payload is the same change", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Tank" })]);
    const { changeId: _omit, ...change } = update(id, 1, { notes: "rust" });
    const first = await api.push("tech1", "phone-a", [change]);
    const again = await api.push("tech1", "phone-a", [{ ...change, timestamp: new Date().toISOString() }]);
    expect(again.results[0]).toMatchObject({ status: "applied", version: 2, duplicate: true });
    expect(first.results[0]).toMatchObject({ duplicate: false });
    expect(await versionOf(id)).toBe(2);
  });

  test("concurrent deliveries of one push apply it once", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Hoist" })]);
    const change = update(id, 1, { notes: "checked" });
    const responses = await Promise.all(Array.from({ length: 6 }, () => api.push("tech1", "phone-a", [change])));
    const results = responses.map((r) => r.results[0]!);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(results.every((r) => r.status === "applied" && r.version === 2)).toBe(true);
    expect(await versionOf(id)).toBe(2);
  });

  test("a claim keeps its payload only while the change may still be applied: a rejection can be retried, a finished change is named by its fingerprint", async () => {
    const id = randomUUID();
    const missing = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Gauge" })]);
    await api.push("tech2", "tablet-b", [update(id, 1, { notes: "theirs" })]);
    const changes = [update(id, 2, { location: "Pit" }), update(id, 2, { location: "Shed" }), update(missing, 1, { notes: "lost" })];
    const response = await api.push("tech1", "phone-a", changes);
    expect(response.results.map((r) => r.status)).toEqual(["applied", "conflict", "rejected"]);
    const claims = await api.db.syncQueue.findMany({ where: { changeId: { in: changes.map((c) => c.changeId!) } } });
    const payloadOf = (change: (typeof changes)[number]) => claims.find((c) => c.changeId === change.changeId)?.payload;
    expect(claims).toHaveLength(3);
    expect([payloadOf(changes[0]!), payloadOf(changes[1]!), payloadOf(changes[2]!)]).toEqual([null, null, { notes: "lost" }]);
    // The fingerprint still tells a replay from a different change under the same key.
    const replay = await api.push("tech1", "phone-a", [changes[0]!]);
    expect(replay.results[0]).toMatchObject({ status: "applied", duplicate: true });
    const reused = await api.push("tech1", "phone-a", [{ ...changes[0]!, payload: { location: "Roof" } }]);
    expect(reused.results[0]).toMatchObject({ status: "rejected", code: "CHANGE_ID_REUSED" });
  });

  test("the same change twice in one batch is applied once", async () => {
    const id = randomUUID();
    const change = create(id, { name: "Twin" });
    const response = await api.push("tech1", "phone-a", [change, change]);
    expect(response.results.map((r) => [r.status, r.duplicate])).toEqual([["applied", false], ["applied", true]]);
    expect(await logCount(id)).toBe(1);
  });
});

describe("a changeId names one change", () => {
  const reused = { status: "rejected", code: "CHANGE_ID_REUSED", duplicate: false };
  const queueRows = (changeId: string) => api.db.syncQueue.count({ where: { changeId } });

  test("an exact replay is a duplicate; other data, another entity or another operation under the same changeId is refused and writes nothing", async () => {
    const id = randomUUID();
    const other = randomUUID();
    const original = create(id, { name: "Compressor" });
    const first = await api.push("tech1", "phone-a", [original]);
    expect(first.results[0]).toMatchObject({ status: "applied", version: 1, duplicate: false });

    const replay = await api.push("tech1", "phone-a", [{ ...original, timestamp: new Date().toISOString() }]);
    expect(replay.results[0]).toEqual({ ...first.results[0], duplicate: true });

    const otherData = { ...original, payload: { name: "Compressor (renamed)" } };
    const otherEntity = { ...original, entityId: other };
    const otherOperation = { ...update(id, 1, { name: "Compressor" }), changeId: original.changeId };
    for (const change of [otherData, otherEntity, otherOperation]) {
      const response = await api.push("tech1", "phone-a", [change]);
      expect(response.results[0]).toMatchObject({ ...reused, index: 0, changeId: original.changeId, entityId: change.entityId });
    }
    expect(await api.db.asset.findFirstOrThrow({ where: { id } })).toMatchObject({ name: "Compressor" });
    expect(await api.db.asset.findFirst({ where: { id: other } })).toBeNull();
    expect(await versionOf(id)).toBe(1);
    expect(await logCount(id)).toBe(1);
    expect(await logCount(other)).toBe(0);
    expect(await queueRows(original.changeId!)).toBe(1);
  });

  test("two different changes under one changeId in one batch: the first applies, the second is refused", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const first = create(a, { name: "Left" });
    const second = { ...create(b, { name: "Right" }), changeId: first.changeId };
    const response = await api.push("tech1", "phone-a", [first, second, first]);
    expect(response.results.map((r) => [r.status, r.duplicate])).toEqual([["applied", false], ["rejected", false], ["applied", true]]);
    expect(response.results[1]).toMatchObject({ ...reused, index: 1 });
    expect(await logCount(a)).toBe(1);
    expect(await logCount(b)).toBe(0);
    expect(await api.db.asset.findFirst({ where: { id: b } })).toBeNull();
    expect(await queueRows(first.changeId!)).toBe(1);
  });

  test("the migration's backfill gives rows stored before fingerprints the fingerprint the server computes", async () => {
    // Rejected changes keep their payload (a finished one keeps none): what the backfill hashed.
    const id = randomUUID();
    await api.push("tech1", "phone-a", [update(id, 1, { name: "Fingerprinted", notes: "ünïcödé ✓" }), update(id, 2, { location: "Dock" })]);
    const stored = await api.db.syncQueue.findMany({ where: { entityId: id }, select: { id: true, fingerprint: true }, orderBy: { seq: "asc" } });
    const dir = fileURLToPath(new URL("../../../prisma/migrations/", import.meta.url));
    const migration = readdirSync(dir).find((name) => name.endsWith("_change_fingerprint"))!;
    const backfill = readFileSync(join(dir, migration, "migration.sql"), "utf8").match(/UPDATE "SyncQueue"[^;]+;/)![0];
    await api.db.$executeRawUnsafe(backfill);
    const recomputed = await api.db.syncQueue.findMany({ where: { entityId: id }, select: { id: true, fingerprint: true }, orderBy: { seq: "asc" } });
    expect(recomputed).toEqual(stored);
    expect(stored).toHaveLength(2);
  });

  test("another device may use the same changeId: keys are per device", async () => {
    const shared = create(randomUUID(), { name: "Phone A's" });
    const elsewhere = { ...create(randomUUID(), { name: "Tablet B's" }), changeId: shared.changeId };
    await api.push("tech1", "phone-a", [shared]);
    const response = await api.push("tech2", "tablet-b", [elsewhere]);
    expect(response.results[0]).toMatchObject({ status: "applied", duplicate: false });
  });
});

describe("version checks and conflicts", () => {
  test("stale edits of different fields merge automatically, recorded as a MERGE by the system", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Compressor", location: "A" })]);
    await api.push("tech2", "tablet-b", [update(id, 1, { location: "B" })]);
    const response = await api.push("tech1", "phone-a", [update(id, 1, { notes: "noisy" })]);
    const result = response.results[0]!;
    expect(result).toMatchObject({ status: "applied", version: 3 });
    expect(response.conflicts).toEqual([]);
    expect(response.changes.find((c) => c.entityId === id)).toMatchObject({ clientVersion: 3, payload: { location: "B", notes: "noisy" } });
    const conflict = await api.db.syncConflict.findUniqueOrThrow({ where: { id: result.status === "applied" ? result.mergedConflictId! : "" } });
    expect(conflict).toMatchObject({ resolution: "MERGE", resolvedBy: "system", clientVersion: 1, serverVersion: 2 });
  });

  test("stale edits of the same field conflict: recorded, returned with the spec's fields, entity untouched", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Press" })]);
    await api.push("tech2", "tablet-b", [update(id, 1, { name: "Press 2" })]);
    const response = await api.push("tech1", "phone-a", [{ ...update(id, 1, { name: "Press X" }), timestamp: "2020-01-01T00:00:00.000Z" }]);
    expect(response.results[0]).toMatchObject({ status: "conflict", serverVersion: 2 });
    expect(response.conflicts[0]).toMatchObject({
      entityType: "asset",
      entityId: id,
      clientVersion: 1,
      serverVersion: 2,
      clientData: { name: "Press X" },
      serverData: { name: "Press 2" },
      suggestedResolution: "SERVER_WINS",
      conflictingFields: ["name"],
      resolution: "MANUAL",
      resolvedAt: null,
    });
    expect((await api.db.asset.findFirstOrThrow({ where: { id } })).name).toBe("Press 2");
    expect(await versionOf(id)).toBe(2);
  });

  test("a client edit newer than the server's suggests the preference (CLIENT_WINS by default)", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Lift" })]);
    await api.push("tech2", "tablet-b", [update(id, 1, { name: "Lift 2" })]);
    const later = new Date(Date.now() + 60_000).toISOString();
    const response = await api.push("tech1", "phone-a", [{ ...update(id, 1, { name: "Lift X" }), timestamp: later }]);
    expect(response.conflicts[0]?.suggestedResolution).toBe("CLIENT_WINS");
  });

  test("N devices editing the same base version at once: one applies, the others conflict; no lost update", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Race" })]);
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.push(i % 2 ? "tech2" : "tech1", `racer-${i}`, [update(id, 1, { name: `Racer ${i}` })])),
    );
    const statuses = responses.map((r) => r.results[0]!.status);
    expect(statuses.filter((s) => s === "applied")).toHaveLength(1);
    expect(statuses.filter((s) => s === "conflict")).toHaveLength(4);
    expect(await versionOf(id)).toBe(2);
  });

  test("the conflict policy is configurable per entity type", async () => {
    const strict = await setupApi({ conflictPolicies: { asset: { autoMergeDisjoint: false, preference: "SERVER_WINS" } } });
    try {
      const id = randomUUID();
      await strict.push("tech1", "phone-a", [create(id, { name: "Strict" })]);
      await strict.push("tech2", "tablet-b", [update(id, 1, { location: "B" })]);
      const response = await strict.push("tech1", "phone-a", [update(id, 1, { notes: "n" })]);
      expect(response.results[0]?.status).toBe("conflict");
    } finally {
      await strict.close();
    }
  });
});

describe("defined outcomes at the edges", () => {
  test("CREATE of an existing id: same data is already applied, different data conflicts", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Dup" })]);
    const same = await api.push("tech2", "tablet-b", [create(id, { name: "Dup" })]);
    expect(same.results[0]).toMatchObject({ status: "applied", version: 1 });
    const different = await api.push("tech2", "tablet-b", [create(id, { name: "Other" })]);
    expect(different.results[0]).toMatchObject({ status: "conflict", serverVersion: 1 });
  });

  test("UPDATE or DELETE of a missing entity is rejected ENTITY_NOT_FOUND; CREATE of a deleted id ENTITY_DELETED", async () => {
    const missing = randomUUID();
    const response = await api.push("tech1", "phone-a", [update(missing, 1, { name: "x" }), remove(missing, 1)]);
    expect(response.results.map((r) => r.status === "rejected" && r.code)).toEqual(["ENTITY_NOT_FOUND", "ENTITY_NOT_FOUND"]);
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Gone" })]);
    await api.push("tech1", "phone-a", [remove(id, 1)]);
    const again = await api.push("tech1", "phone-a", [create(id, { name: "Back" })]);
    expect(again.results[0]).toMatchObject({ status: "rejected", code: "ENTITY_DELETED" });
  });

  test("UPDATE of a deleted entity conflicts (the edit is kept), DELETE of a deleted one is a no-op", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Doomed" })]);
    await api.push("tech2", "tablet-b", [remove(id, 1)]);
    const edit = await api.push("tech1", "phone-a", [update(id, 1, { notes: "still here?" })]);
    expect(edit.results[0]).toMatchObject({ status: "conflict", serverVersion: 2 });
    expect(edit.conflicts[0]).toMatchObject({ serverData: null, clientData: { name: "Doomed", notes: "still here?" } });
    const again = await api.push("tech1", "phone-a", [remove(id, 1)]);
    expect(again.results[0]).toMatchObject({ status: "applied", version: 2 });
  });

  test("a DELETE of a version that changed since conflicts; a version from the future is rejected", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Keep" })]);
    await api.push("tech2", "tablet-b", [update(id, 1, { notes: "edited" })]);
    const stale = await api.push("tech1", "phone-a", [remove(id, 1)]);
    expect(stale.results[0]).toMatchObject({ status: "conflict" });
    expect(stale.conflicts[0]).toMatchObject({ operation: "DELETE", clientData: null });
    const ahead = await api.push("tech1", "phone-a", [update(id, 9, { notes: "?" })]);
    expect(ahead.results[0]).toMatchObject({ status: "rejected", code: "VERSION_AHEAD" });
  });

  test("a change whose checksum does not match its payload is rejected; a matching one applies", async () => {
    const bad = { ...create(randomUUID(), { name: "Sum" }), checksum: "0".repeat(64) };
    const good = create(randomUUID(), { name: "Sum" });
    const response = await api.push("tech1", "phone-a", [bad, { ...good, checksum: await checksum(good.payload) }]);
    expect(response.results.map((r) => r.status === "rejected" ? r.code : r.status)).toEqual(["CHECKSUM_MISMATCH", "applied"]);
    expect(await api.db.asset.count({ where: { id: bad.entityId } })).toBe(0);
  });

  test("references must point into the caller's organization", async () => {
    const response = await api.push("tech1", "phone-a", [
      create(randomUUID(), { assetId: globexAsset, title: "Cross-org" }, "task"),
      create(randomUUID(), { assetId: randomUUID(), title: "Dangling" }, "task"),
    ]);
    expect(response.results.map((r) => r.status === "rejected" && r.code)).toEqual(["REFERENCE_NOT_FOUND", "REFERENCE_NOT_FOUND"]);
  });

  test("a task's assignee must be an active user of the caller's organization: others are rejected USER_NOT_FOUND per change, nothing written", async () => {
    const [tara, , , gil] = demoUsers;
    const mine = randomUUID();
    const response = await api.push("tech1", "phone-a", [
      create(randomUUID(), { assetId: seededAsset, title: "Another org's user", assigneeId: gil.id }, "task"),
      create(randomUUID(), { assetId: seededAsset, title: "Nobody's id", assigneeId: randomUUID() }, "task"),
      create(mine, { assetId: seededAsset, title: "Tara's", assigneeId: tara.id }, "task"),
      update(mine, 1, { assigneeId: gil.id }, "task"),
      update(mine, 1, { assigneeId: null }, "task"),
    ]);
    expect(response.results.map((r) => (r.status === "rejected" ? r.code : r.status))).toEqual(["USER_NOT_FOUND", "USER_NOT_FOUND", "applied", "USER_NOT_FOUND", "applied"]);
    expect(await api.db.task.findMany({ where: { assigneeId: gil.id } })).toEqual([]);
    expect(await api.db.task.findFirstOrThrow({ where: { id: mine } })).toMatchObject({ assigneeId: null });
  });

  test("deleting an asset deletes its tasks, and their tombstones travel too", async () => {
    const assetId = randomUUID();
    const taskId = randomUUID();
    const before = await api.push("tech2", "tablet-b", []);
    await api.push("tech1", "phone-a", [create(assetId, { name: "Parent" }), create(taskId, { assetId, title: "Child" }, "task")]);
    await api.push("tech1", "phone-a", [remove(assetId, 1)]);
    const pulled = await api.push("tech2", "tablet-b", [], before.syncToken);
    const tombstones = pulled.changes.filter((c) => c.operation === "DELETE").map((c) => [c.entityType, c.entityId, c.payload, c.checksum]);
    expect(tombstones).toEqual(expect.arrayContaining([["asset", assetId, {}, null], ["task", taskId, {}, null]]));
  });
});
