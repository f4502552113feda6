// R2 worker crash: SIGKILL the worker process (a) inside a job's transaction, (b) after the
// transaction committed but before BullMQ heard the job finished, and (c) between the attempts of
// a change that keeps failing. The final state equals one application, nothing stays active, and
// the exhausted change ends FAILED with a reason.
import { randomUUID } from "node:crypto";
import type { ChangeResult, SyncChangeInput } from "@fieldsync/schema";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createAsset, updateAsset } from "./harness/client.ts";
import { type Cluster, redisPrefix, cluster } from "./harness/cluster.ts";
import { activeJobs, checkClusterInvariants, queueSettled } from "./harness/invariants.ts";
import { waitFor } from "./harness/processes.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R2 worker crash");
const blockers: pg.Client[] = [];
beforeAll(async () => {
  c = await cluster();
});
afterAll(async () => {
  for (const blocker of blockers) await blocker.end().catch(() => undefined);
  await c?.redis.client().call("CLIENT", "UNPAUSE").catch(() => undefined);
  log.done();
});

/** A transaction holding the entity's SyncMetadata row, so a job touching it waits inside its own transaction. */
async function lockEntity(entityId: string) {
  const blocker = new pg.Client({ connectionString: c.postgres.url() });
  blockers.push(blocker);
  await blocker.connect();
  await blocker.query("BEGIN");
  await blocker.query(`SELECT 1 FROM "SyncMetadata" WHERE "entityId" = $1 FOR UPDATE`, [entityId]);
  return { release: () => blocker.query("COMMIT").then(() => blocker.end()) };
}

const waitingOnLocks = async () =>
  (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0]!.n;

async function seedEntity() {
  const id = randomUUID();
  await c.api.push("tech1", { deviceId: `r2-setup-${randomUUID()}`, changes: [createAsset(id, { name: "R2 target" })] });
  return id;
}

/** Queues `changes` for the worker; returns the SyncQueue ids. */
async function queue(deviceId: string, changes: SyncChangeInput[]) {
  const reply = await c.api.push("tech1", { deviceId, async: true, changes });
  return reply.results.map((r) => (r as Extract<ChangeResult, { status: "queued" }>).queueItemId);
}

async function rowsOf(ids: string[]) {
  return c.query<{ id: string; status: string; attempts: number; errorCode: string | null; result: { status: string; code?: string } | null }>(
    `SELECT "id", "status", "attempts", "errorCode", "result" FROM "SyncQueue" WHERE "id" = ANY($1::text[]) ORDER BY "seq"`,
    [ids],
  );
}

async function versions(entityIds: string[]) {
  return c.query<{ entityId: string; version: number; log: number }>(
    `SELECT m."entityId", m."version", (SELECT count(*)::int FROM "ChangeLog" l WHERE l."entityId" = m."entityId") AS log
     FROM "SyncMetadata" m WHERE m."entityId" = ANY($1::text[])`,
    [entityIds],
  );
}

const patientWorker = { SYNC_LOCK_TIMEOUT_MS: "120000" };

test("(a) SIGKILL inside a job's transaction: the job re-runs after the stall and every change applies once", async () => {
  await c.worker.kill();
  await c.worker.start(patientWorker);
  const target = await seedEntity();
  const blocker = await lockEntity(target);
  const fresh = Array.from({ length: 9 }, () => randomUUID());
  const ids = await queue(`r2-a-${randomUUID()}`, [updateAsset(target, 1, { notes: "survived a SIGKILL" }), ...fresh.map((id) => createAsset(id, { name: "R2 crash batch" }))]);
  await waitFor(async () => (await waitingOnLocks()) > 0, 60_000, "the worker to block inside its transaction");
  expect(await activeJobs(c)).toBeGreaterThan(0);
  await c.worker.kill();
  log.injected("worker SIGKILLed while its job waited on a row lock inside the transaction applying 10 queued changes");
  await blocker.release();
  await c.worker.start(patientWorker);
  await queueSettled(c);
  const rows = await rowsOf(ids);
  expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array(10).fill(["COMPLETED", 1]));
  expect(await versions([target, ...fresh])).toEqual(
    expect.arrayContaining([{ entityId: target, version: 2, log: 2 }, ...fresh.map((id) => ({ entityId: id, version: 1, log: 1 }))]),
  );
  log.checked("after restart: 10 rows COMPLETED with attempts 1; target at version 2 with 2 log entries, the 9 creates at version 1");
});

test("(b) SIGKILL after commit, before BullMQ acknowledged: the re-run finds the work done and applies nothing twice", async () => {
  const target = await seedEntity();
  const blocker = await lockEntity(target);
  const fresh = Array.from({ length: 4 }, () => randomUUID());
  const ids = await queue(`r2-b-${randomUUID()}`, [updateAsset(target, 1, { notes: "committed, never acknowledged" }), ...fresh.map((id) => createAsset(id, { name: "R2 unacked" }))]);
  await waitFor(async () => (await waitingOnLocks()) > 0, 60_000, "the worker to block inside its transaction");
  // Writes to Redis are paused: the worker can commit in PostgreSQL but cannot move its job to completed.
  const admin = c.redis.client();
  await admin.call("CLIENT", "PAUSE", "60000", "WRITE");
  try {
    await blocker.release();
    await waitFor(async () => (await rowsOf(ids)).every((r) => r.status === "COMPLETED"), 60_000, "the job's transaction to commit");
    const active = await admin.lrange(`${redisPrefix}:sync-push:active`, 0, -1);
    expect(active.length).toBeGreaterThan(0);
    await c.worker.kill();
    log.injected(`Redis writes paused (CLIENT PAUSE WRITE), the job's transaction committed, worker SIGKILLed with ${active.length} job(s) still active in BullMQ`);
  } finally {
    await admin.call("CLIENT", "UNPAUSE");
    admin.disconnect();
  }
  await c.worker.start();
  await waitFor(async () => (await activeJobs(c)) === 0, 60_000, "the stalled jobs to be re-run");
  await queueSettled(c);
  expect((await rowsOf(ids)).map((r) => [r.status, r.attempts])).toEqual(Array(5).fill(["COMPLETED", 1]));
  expect(await versions([target, ...fresh])).toEqual(
    expect.arrayContaining([{ entityId: target, version: 2, log: 2 }, ...fresh.map((id) => ({ entityId: id, version: 1, log: 1 }))]),
  );
  log.checked("the new worker re-ran the stalled job(s); rows still COMPLETED with attempts 1, target version 2 with 2 log entries: applied once");
});

test("(c) SIGKILL between the attempts of a change that keeps failing: it ends FAILED with a reason, the rest apply", async () => {
  const quickLocks = { SYNC_LOCK_TIMEOUT_MS: "300" };
  await c.worker.kill();
  await c.worker.start(quickLocks);
  const target = await seedEntity();
  const blocker = await lockEntity(target);
  const fresh = Array.from({ length: 5 }, () => randomUUID());
  const ids = await queue(`r2-c-${randomUUID()}`, [updateAsset(target, 1, { notes: "dead letter" }), ...fresh.map((id) => createAsset(id, { name: "R2 behind a dead letter" }))]);
  await waitFor(async () => (await rowsOf(ids))[0]!.attempts >= 1, 60_000, "a first failed attempt");
  await c.worker.kill();
  log.injected("entity row locked by another transaction for the whole test; worker SIGKILLed after the first LOCK_TIMEOUT attempt and restarted");
  await c.worker.start(quickLocks);
  await queueSettled(c);
  const [dead, ...rest] = await rowsOf(ids);
  expect(dead).toMatchObject({ status: "FAILED", attempts: 4, errorCode: "LOCK_TIMEOUT", result: { status: "rejected", code: "PROCESSING_FAILED" } });
  expect(rest.map((r) => r.status)).toEqual(Array(5).fill("COMPLETED"));
  expect(await waitFor(async () => (await activeJobs(c)) === 0 || null, 30_000, "no active job")).toBe(true);
  log.checked("the locked change is FAILED (LOCK_TIMEOUT, 4 attempts, result PROCESSING_FAILED); the 5 changes queued behind it COMPLETED; nothing active");

  await blocker.release();
  const retried = await c.api.request<{ retried: string[] }>("POST", "/api/sync/queue/retry", { token: await c.api.token("tech1"), body: { ids: [dead!.id] } });
  expect(retried.body.retried).toEqual([dead!.id]);
  await queueSettled(c);
  expect(await versions([target])).toEqual([{ entityId: target, version: 2, log: 2 }]);
  log.checked("lock released, dead letter retried through the API: applied once (version 2)");

  await c.worker.kill();
  await c.worker.start();
  log.checked(await checkClusterInvariants(c));
});
