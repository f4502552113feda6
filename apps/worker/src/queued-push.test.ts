import { randomUUID } from "node:crypto";
import { cacheKey, createResponseCache } from "@fieldsync/api";
import { type PushResponse, limits } from "@fieldsync/schema";
import { checksum } from "@fieldsync/sync-core";
import { create, update } from "@fieldsync/testing/changes";
import { seededAsset, users } from "@fieldsync/testing/demo";
import { Redis } from "ioredis";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { type WorkerTest, redisUrl, setupWorkerTest, waitFor } from "./test-harness.ts";
import { startAlertSweep } from "./worker.ts";

let t: WorkerTest;
afterEach(() => t?.close());

const queuedIds = (response: PushResponse) =>
  response.results.map((r) => {
    if (r.status !== "queued") throw new Error(`expected queued, got ${r.status}`);
    return r.queueItemId;
  });

/** Holds a row lock on an entity's SyncMetadata, as a long transaction elsewhere would. */
async function holdLock(databaseUrl: string, entityId: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`SELECT 1 FROM "SyncMetadata" WHERE "entityId" = $1 FOR UPDATE`, [entityId]);
  return async () => {
    await client.query("COMMIT");
    await client.end();
  };
}

describe("queued pushes", () => {
  test("a push above the inline batch size is stored, queued, applied in order by the worker; re-pushing returns the outcomes", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 3 });
    const assetId = randomUUID();
    const taskId = randomUUID();
    const changes = [
      create(assetId, { name: "Queued asset" }),
      create(taskId, { assetId, title: "Queued task" }, "task"),
      update(taskId, 1, { status: "IN_PROGRESS" }, "task"),
      update(seededAsset, 1, { notes: "queued note" }),
    ];
    const response = await t.api.push("tech1", "bulk-phone", changes);
    const ids = queuedIds(response);
    expect(await t.api.db.syncQueue.count({ where: { id: { in: ids }, status: "PENDING" } })).toBe(4);
    t.startWorker();
    await t.settled(ids);
    expect(await t.api.db.task.findFirstOrThrow({ where: { id: taskId } })).toMatchObject({ status: "IN_PROGRESS", title: "Queued task" });
    const again = await t.api.push("tech1", "bulk-phone", changes);
    expect(again.results.map((r) => [r.status, r.duplicate])).toEqual([
      ["applied", true],
      ["applied", true],
      ["applied", true],
      ["applied", true],
    ]);
    expect(again.results[2]).toMatchObject({ version: 2 });
  });

  test("the worker decides a push in one attempt: each claim counts it once, drops the payload when finished, keeps it when rejected", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 1 });
    const assetId = randomUUID();
    const missing = randomUUID();
    const response = await t.api.push("tech1", "bulk-phone", [create(assetId, { name: "Decided once" }), update(missing, 1, { notes: "nowhere" })]);
    const ids = queuedIds(response);
    expect((await t.api.db.syncQueue.findMany({ where: { id: { in: ids } } })).every((row) => row.payload !== null)).toBe(true);
    t.startWorker();
    await t.settled(ids);
    const rows = await t.api.db.syncQueue.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.status, r.attempts, r.payload])).toEqual([
      ["COMPLETED", 1, null],
      ["FAILED", 1, { notes: "nowhere" }],
    ]);
  });

  test("a change marked async is queued even when small", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 100 });
    const response = await t.api.call("tech1", "POST", "/api/sync", { deviceId: "async-phone", async: true, changes: [create(randomUUID(), { name: "Async" })] });
    expect(response.body.results[0].status).toBe("queued");
  });

  test("a transient failure (lock timeout) is retried with backoff and then succeeds, once", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 0, lockTimeoutMs: 150, retry: { maxAttempts: 20, backoffMs: 100 } });
    const release = await holdLock(t.api.databaseUrl, seededAsset);
    const ids = queuedIds(await t.api.push("tech1", "retry-phone", [update(seededAsset, 1, { notes: "after a wait" })]));
    t.startWorker();
    await waitFor(async () => ((await t.api.db.syncQueue.findUniqueOrThrow({ where: { id: ids[0]! } })).attempts >= 2 ? true : null), 30_000, "a failed attempt");
    const failedAttempt = await t.api.db.syncQueue.findUniqueOrThrow({ where: { id: ids[0]! } });
    expect(failedAttempt).toMatchObject({ status: "PENDING", errorCode: "LOCK_TIMEOUT" });
    await release();
    await t.settled(ids);
    const row = await t.api.db.syncQueue.findUniqueOrThrow({ where: { id: ids[0]! } });
    expect(row.status).toBe("COMPLETED");
    expect(row.attempts).toBeGreaterThan(2);
    expect((await t.api.db.syncMetadata.findFirstOrThrow({ where: { entityId: seededAsset } })).version).toBe(2);
  });

  test("permanent failures fail at once with a reason; exhausted retries dead-letter; neither blocks the device's queue", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 0, lockTimeoutMs: 100, retry: { maxAttempts: 3, backoffMs: 50 } });
    const release = await holdLock(t.api.databaseUrl, seededAsset);
    const later = randomUUID();
    const ids = queuedIds(
      await t.api.push("tech1", "poison-phone", [
        create(randomUUID(), { assetId: randomUUID(), title: "Dangling" }, "task"),
        update(seededAsset, 1, { notes: "never gets the lock" }),
        create(later, { name: "After the poison" }),
      ]),
    );
    t.startWorker();
    await t.settled(ids);
    await release();
    const rows = await t.api.db.syncQueue.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.status, r.errorCode, r.attempts])).toEqual([
      ["FAILED", "REFERENCE_NOT_FOUND", 1],
      ["FAILED", "LOCK_TIMEOUT", 3],
      ["COMPLETED", null, 1],
    ]);
    expect(rows[1]!.result).toMatchObject({ status: "rejected", code: "PROCESSING_FAILED" });
    expect(rows[1]!.errorMessage).toMatch(/LOCK_TIMEOUT after 3 attempts/);
    expect(await t.api.db.asset.count({ where: { id: later } })).toBe(1);

    const stats = await t.api.call("tech1", "GET", "/api/sync/queue/stats");
    expect(stats.body.counts).toMatchObject({ FAILED: 2, COMPLETED: 1, PENDING: 0 });
    expect(stats.body.devices.find((d: { deviceId: string }) => d.deviceId === "poison-phone")).toMatchObject({ failed: 2, pending: 0 });
    const status = await t.api.call("tech1", "GET", "/api/sync/status");
    expect(status.body.queue.failed).toBe(2);

    // Retry: another organization cannot touch them; the owner can, and now the lock is free.
    expect((await t.api.call("globex", "POST", "/api/sync/queue/retry", { ids: [rows[1]!.id] })).body.retried).toEqual([]);
    const retried = await t.api.call("tech1", "POST", "/api/sync/queue/retry", { ids: [rows[1]!.id] });
    expect(retried.body.retried).toEqual([rows[1]!.id]);
    await t.settled([rows[1]!.id]);
    expect(await t.api.db.syncQueue.findUniqueOrThrow({ where: { id: rows[1]!.id } })).toMatchObject({ status: "COMPLETED" });
    expect((await t.api.db.asset.findFirstOrThrow({ where: { id: seededAsset } })).notes).toBe("never gets the lock");
    expect(await t.api.db.auditLog.count({ where: { action: "queue.retried" } })).toBe(1);
  });

  test("a database outage under a job costs the change no attempt: it is applied afterwards, never dead-lettered", async () => {
    // One attempt allowed: before, the outage itself was counted and dead-lettered the change.
    t = await setupWorkerTest({ inlineMaxChanges: 0, lockTimeoutMs: 10_000, retry: { maxAttempts: 1, backoffMs: 50 } });
    const release = await holdLock(t.api.databaseUrl, seededAsset);
    const ids = queuedIds(await t.api.push("tech1", "outage-phone", [update(seededAsset, 1, { notes: "through an outage" })]));
    // The worker's connection dies while it waits for the row lock (what a restart does to it),
    // and again whenever it comes back within the next 1.5 s.
    const admin = new pg.Client({ connectionString: t.api.databaseUrl });
    await admin.connect();
    t.startWorker();
    let terminated = 0;
    for (const until = Date.now() + 1500; terminated === 0 || Date.now() < until; ) {
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      terminated += rowCount ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin.end();
    await release();
    t.startRelayLoop();
    await t.settled(ids).catch(async (error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await t.api.db.syncQueue.findUnique({ where: { id: ids[0]! } }))}`);
    });
    const row = await t.api.db.syncQueue.findUniqueOrThrow({ where: { id: ids[0]! } });
    expect([row.status, row.errorCode]).toEqual(["COMPLETED", null]);
    expect((await t.api.db.asset.findFirstOrThrow({ where: { id: seededAsset } })).notes).toBe("through an outage");
  });

  test("a changeId reused for a different change is refused while queued and after; the worker applies only the original", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 0 });
    const [id, other] = [randomUUID(), randomUUID()];
    const original = create(id, { name: "Queued original" });
    const impostors = [
      { ...original, payload: { name: "Queued impostor" } },
      { ...original, entityId: other },
      { ...update(seededAsset, 1, { notes: "impostor" }), changeId: original.changeId },
    ];
    const refused = (response: PushResponse, index: number) =>
      expect(response.results[index]).toMatchObject({ index, status: "rejected", code: "CHANGE_ID_REUSED", duplicate: false });

    const untouched = { entityId: { in: [other, seededAsset] } };
    const untouchedLog = await t.api.db.changeLog.count({ where: untouched });

    // The same batch: the original is queued, the twin under its changeId refused.
    const first = await t.api.push("tech1", "reuse-phone", [original, impostors[0]!]);
    expect(first.results[0]!.status).toBe("queued");
    refused(first, 1);
    // While the original waits for the worker…
    for (const impostor of impostors) refused(await t.api.push("tech1", "reuse-phone", [impostor]), 0);
    t.startWorker();
    await t.settled(queuedIds({ ...first, results: [first.results[0]!] }));
    // …and once it is applied.
    for (const impostor of impostors) refused(await t.api.push("tech1", "reuse-phone", [impostor]), 0);
    const replay = await t.api.push("tech1", "reuse-phone", [original]);
    expect(replay.results[0]).toMatchObject({ status: "applied", version: 1, duplicate: true });

    expect(await t.api.db.asset.findFirstOrThrow({ where: { id } })).toMatchObject({ name: "Queued original" });
    expect(await t.api.db.asset.count({ where: { id: other } })).toBe(0);
    expect((await t.api.db.asset.findFirstOrThrow({ where: { id: seededAsset } })).notes).not.toBe("impostor");
    expect(await t.api.db.changeLog.count({ where: { entityId: id } })).toBe(1);
    expect(await t.api.db.changeLog.count({ where: untouched })).toBe(untouchedLog);
    expect(await t.api.db.syncQueue.count({ where: { changeId: original.changeId! } })).toBe(1);
  });

  test("the worker checks a queued change against its checksum: a mismatch is rejected, a matching one applies", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 0 });
    const good = create(randomUUID(), { name: "Summed" });
    const bad = { ...create(randomUUID(), { name: "Summed" }), checksum: "0".repeat(64) };
    const ids = queuedIds(await t.api.push("tech1", "sum-phone", [{ ...good, checksum: await checksum(good.payload) }, bad, create(randomUUID(), { name: "Unsummed" })]));
    t.startWorker();
    await t.settled(ids);
    const rows = await t.api.db.syncQueue.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => (r.result as { status: string; code?: string }).code ?? r.status)).toEqual(["COMPLETED", "CHECKSUM_MISMATCH", "COMPLETED"]);
    expect(await t.api.db.asset.count({ where: { id: { in: [good.entityId, bad.entityId] } } })).toBe(1);
  });

  test("a job run twice applies its change once", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 0 });
    const ids = queuedIds(await t.api.push("tech1", "twice-phone", [update(seededAsset, 1, { notes: "once" })]));
    t.startWorker();
    await t.settled(ids);
    await t.queue.queue.add("apply-change", { queueItemId: ids[0]! }, { jobId: `${ids[0]}-again` });
    await waitFor(async () => (await t.queue.queue.getJobCounts("waiting", "active", "prioritized")).waiting === 0 || null);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await t.api.db.syncMetadata.findFirstOrThrow({ where: { entityId: seededAsset } })).version).toBe(2);
    expect(await t.api.db.changeLog.count({ where: { entityId: seededAsset } })).toBe(2);
  });
});

describe("cache invalidation", () => {
  test("drops cached responses and makes the device restart from a snapshot on its next sync", async () => {
    t = await setupWorkerTest();
    const first = await t.api.push("tech1", "reset-phone", []);
    await t.api.call("tech1", "GET", "/api/sync/status");
    const invalidated = await t.api.call("tech1", "POST", "/api/sync/cache/invalidate", { deviceId: "reset-phone" });
    expect(invalidated.body).toMatchObject({ devices: ["reset-phone"], cacheKeysRemoved: 1 });
    const next = await t.api.push("tech1", "reset-phone", [], first.syncToken);
    expect(next.resetRequired).toBe(true);
    expect(next.changes.length).toBeGreaterThan(3);
    const after = await t.api.push("tech1", "reset-phone", [], next.syncToken);
    expect(after.resetRequired).toBe(false);
    // tech2, from a device of their own, aims at tech1's phone.
    const foreign = await t.api.send({ method: "POST", url: "/api/sync/cache/invalidate", headers: { authorization: `Bearer ${await t.api.token("tech2")}` }, payload: { deviceId: "reset-phone" } });
    expect(foreign.statusCode).toBe(404);
    expect((await t.api.call("tech2", "POST", "/api/sync/cache/invalidate", { allDevices: true })).status).toBe(403);
    expect(await t.api.db.auditLog.count({ where: { action: "cache.invalidated" } })).toBe(1);
  });
});

describe("metrics", () => {
  test("/metrics exposes the spec's sync health metrics with real values", async () => {
    t = await setupWorkerTest({ inlineMaxChanges: 1 });
    await t.api.push("tech1", "metrics-phone", [create(randomUUID(), { name: "Inline" })]);
    const ids = queuedIds(await t.api.push("tech1", "metrics-phone", [create(randomUUID(), { name: "Q1" }), create(randomUUID(), { name: "Q2" })]));
    await t.api.push("tech2", "metrics-tablet", [update(seededAsset, 1, { name: "Theirs" })]);
    await t.api.push("tech1", "metrics-phone", [update(seededAsset, 1, { name: "Mine" })]);
    const before = (await t.api.send({ method: "GET", url: "/metrics" })).body;
    expect(before).toMatch(/fieldsync_sync_backlog 2/);
    expect(Number(before.match(/^fieldsync_sync_oldest_pending_seconds ([\d.e-]+)$/m)?.[1])).toBeGreaterThan(0);
    t.startWorker();
    await t.settled(ids);
    const text = (await t.api.send({ method: "GET", url: "/metrics" })).body;
    const value = (pattern: RegExp) => Number(text.match(pattern)?.[1] ?? Number.NaN);
    expect(value(/fieldsync_active_sync_clients (\d+)/)).toBe(2);
    expect(value(/fieldsync_sync_queue_items\{status="COMPLETED"\} (\d+)/)).toBe(4);
    expect(value(/fieldsync_sync_queue_items\{status="CONFLICT"\} (\d+)/)).toBe(1);
    expect(value(/fieldsync_sync_rate\{kind="conflict"\} ([\d.]+)/)).toBeCloseTo(1 / 5);
    expect(value(/fieldsync_sync_duration_seconds_count\{endpoint="push",status="200"\} (\d+)/)).toBe(4);
    expect(value(/fieldsync_redis_up (\d)/)).toBe(1);
    expect(value(/fieldsync_sync_oldest_pending_seconds (\d+)/)).toBe(0);
    expect(value(/fieldsync_offline_devices\{level="warn"\} (\d+)/)).toBe(0);
    expect(text).toMatch(/fieldsync_queue_jobs\{state="failed"\} 0/);
  });
});

describe("alert sweep", () => {
  test("caches each organization's health, prunes sync runs older than the dashboard's history, folds the digest contributions", async () => {
    t = await setupWorkerTest();
    // Each write statement adds its buckets' contributions; the sweep folds them to one row a bucket.
    const swept = randomUUID();
    await t.api.push("tech1", "sweep-phone", [create(swept, { name: "Sweep" }), update(swept, 1, { notes: "a" })]);
    await t.api.push("tech1", "sweep-phone", [update(swept, 2, { notes: "b" })]);
    const perBucket = () =>
      t.api.db.$queryRaw<{ rows: number }[]>`SELECT count(*)::int AS rows FROM "SyncDigestDelta" GROUP BY "orgId", "entityType", "bucket" ORDER BY 1 DESC LIMIT 1`;
    expect((await perBucket())[0]!.rows).toBeGreaterThanOrEqual(3);
    const before = await t.api.db.syncDigestDelta.count();
    await t.api.push("tech1", "sweep-phone", []);
    await t.api.push("tech1", "sweep-phone", []);
    const [old, recent] = await t.api.db.syncRun.findMany({ orderBy: { id: "asc" } });
    const kept = new Date(Date.now() - (limits.maxHealthHours - 1) * 3_600_000);
    await t.api.db.syncRun.update({ where: { id: old!.id }, data: { startedAt: new Date(Date.now() - (limits.maxHealthHours + 1) * 3_600_000) } });
    await t.api.db.syncRun.update({ where: { id: recent!.id }, data: { startedAt: kept } });
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    await new Promise((resolve) => redis.once("ready", resolve));
    const cache = createResponseCache(redis, t.prefix);
    const sweep = startAlertSweep({ deps: { db: t.api.db }, cache, intervalMs: 3_600_000, log: () => undefined });
    await sweep.sweep();
    sweep.close();
    expect(await t.api.db.syncRun.findMany({ where: { id: { in: [old!.id, recent!.id] } }, select: { id: true, startedAt: true } })).toEqual([{ id: recent!.id, startedAt: kept }]);
    const { orgId } = await t.api.db.user.findUniqueOrThrow({ where: { email: users.tech1 } });
    expect(await cache.get(cacheKey(orgId, "health"))).toEqual({ status: "ok", reasons: [] });
    expect(await perBucket()).toEqual([{ rows: 1 }]);
    expect(await t.api.db.syncDigestDelta.count()).toBeLessThan(before);
    redis.disconnect();
  });
});

describe("Bull Board", () => {
  test("/admin/queues is for admins only", async () => {
    t = await setupWorkerTest();
    const as = async (user: "admin" | "tech1" | null) =>
      (await t.api.send({ method: "GET", url: "/admin/queues", headers: user ? { authorization: `Bearer ${await t.api.token(user)}` } : {} })).statusCode;
    expect(await as(null)).toBe(401);
    expect(await as("tech1")).toBe(403);
    expect(await as("admin")).toBe(200);
    const api = await t.api.send({ method: "GET", url: "/admin/queues/api/queues", headers: { authorization: `Bearer ${await t.api.token("admin")}` } });
    expect(api.json().queues.map((q: { name: string }) => q.name)).toEqual(["sync-push"]);
  });

  test("is read-only: the queue is shared by every organization, so no admin may act on its jobs", async () => {
    t = await setupWorkerTest();
    const admin = { authorization: `Bearer ${await t.api.token("admin")}` };
    const queued = await t.api.call("tech1", "POST", "/api/sync", { deviceId: "board-phone", async: true, changes: [create(randomUUID(), { name: "Board" })] });
    const [jobId] = queuedIds(queued.body as PushResponse);
    for (const [method, url] of [
      ["PUT", "/admin/queues/api/queues/sync-push/empty"],
      ["PUT", "/admin/queues/api/queues/sync-push/obliterate"],
      ["PUT", "/admin/queues/api/queues/sync-push/retry/failed"],
      ["POST", "/admin/queues/api/queues/sync-push/add"],
      ["PUT", `/admin/queues/api/queues/sync-push/${jobId}/clean`],
    ] as const) {
      const reply = await t.api.send({ method, url, headers: admin, payload: method === "POST" ? { name: "x", data: {} } : undefined });
      expect(reply.statusCode, `${method} ${url}`).toBe(405);
    }
    expect(await t.queue.queue.getJob(jobId!), "the job is still there").toBeDefined();
  });
});
