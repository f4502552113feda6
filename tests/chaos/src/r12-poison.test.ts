// R12 poison change: inside a batch of 500 (queued for the worker), one change the database
// refuses on every attempt and one whose stored payload is malformed. Each gets a per-item error
// with its index and code, the other 498 are applied, the always-failing one is dead-lettered
// after its attempts, and the device's queue keeps moving.
import { randomUUID } from "node:crypto";
import type { ChangeResult, PushBodyInput } from "@fieldsync/schema";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { change, createAsset } from "./harness/client.ts";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants, queueSettled } from "./harness/invariants.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R12 poison change");
beforeAll(async () => {
  c = await cluster();
});
afterAll(async () => {
  await c?.query(`ALTER TABLE "Asset" DROP CONSTRAINT IF EXISTS chaos_poison`).catch(() => undefined);
  log.done();
});

const maxAttempts = 4; // SYNC_MAX_ATTEMPTS of the cluster (server and worker)

test("one always-failing and one malformed change in a batch of 500: per-item errors with index and code, 498 applied, queue not blocked", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  const [poisonAt, malformedAt] = fc.sample(fc.uniqueArray(fc.integer({ min: 0, max: 499 }), { minLength: 2, maxLength: 2 }), { seed, numRuns: 1 })[0]!;
  log.note(`seed ${seed}: always-failing change at index ${poisonAt}, malformed one at index ${malformedAt}`);
  const deviceId = `r12-${randomUUID()}`;
  const ids = Array.from({ length: 500 }, () => randomUUID());
  const body: PushBodyInput = {
    deviceId,
    changes: ids.map((id, i) => createAsset(id, { name: i === poisonAt! ? "R12 poison" : `R12 asset ${i}` })),
  };

  // The worker is stopped while the batch is stored, so the malformed row can be planted first.
  await c.worker.stop();
  await c.query(`ALTER TABLE "Asset" ADD CONSTRAINT chaos_poison CHECK ("name" <> 'R12 poison')`);
  const queued = await c.api.push("tech1", body);
  expect(queued.results.map((r) => r.status)).toEqual(Array(500).fill("queued"));
  const rowOf = (i: number) => (queued.results[i] as Extract<ChangeResult, { status: "queued" }>).queueItemId;
  await c.query(`UPDATE "SyncQueue" SET "payload" = '{"name": 42, "colour": "red"}' WHERE "id" = $1`, [rowOf(malformedAt!)]);
  log.injected(`500 creates pushed (queued, worker stopped); a CHECK constraint makes PostgreSQL refuse #${poisonAt} on every attempt; #${malformedAt}'s stored payload replaced by a malformed one`);

  await c.worker.start();
  await queueSettled(c);
  const replay = await c.api.push("tech1", body);
  const byStatus = (status: string) => replay.results.filter((r) => r.status === status);
  expect(byStatus("applied")).toHaveLength(498);
  expect(replay.results.every((r, i) => r.index === i && r.duplicate)).toBe(true);
  expect(replay.results[poisonAt!]).toMatchObject({ index: poisonAt, status: "rejected", code: "PROCESSING_FAILED" });
  expect(replay.results[malformedAt!]).toMatchObject({ index: malformedAt, status: "rejected", code: "INVALID_PAYLOAD" });

  const rows = await c.query<{ id: string; status: string; attempts: number; errorCode: string | null }>(
    `SELECT "id", "status", "attempts", "errorCode" FROM "SyncQueue" WHERE "id" = ANY($1::text[])`,
    [[rowOf(poisonAt!), rowOf(malformedAt!)]],
  );
  const poisonRow = rows.find((r) => r.id === rowOf(poisonAt!))!;
  const malformedRow = rows.find((r) => r.id === rowOf(malformedAt!))!;
  expect(poisonRow).toMatchObject({ status: "FAILED", attempts: maxAttempts, errorCode: "PROCESSING_FAILED" });
  expect(malformedRow).toMatchObject({ status: "FAILED", attempts: 1, errorCode: "INVALID_PAYLOAD" });
  const [{ assets }] = (await c.query<{ assets: number }>(`SELECT count(*)::int AS assets FROM "Asset" WHERE "id" = ANY($1::text[])`, [ids])) as [{ assets: number }];
  expect(assets).toBe(498);
  log.checked(`replay: #${poisonAt} rejected PROCESSING_FAILED (row FAILED after ${maxAttempts} attempts), #${malformedAt} rejected INVALID_PAYLOAD (FAILED after 1 attempt), 498 applied; 498 assets exist`);

  // The device's queue is not blocked: a later queued change and an inline one both apply.
  const later = await c.api.push("tech1", { deviceId, async: true, changes: [createAsset(randomUUID(), { name: "R12 after the poison" })] });
  expect(later.results[0]!.status).toBe("queued");
  await queueSettled(c);
  const laterId = (later.results[0] as Extract<ChangeResult, { status: "queued" }>).queueItemId;
  expect(await c.query(`SELECT "status" FROM "SyncQueue" WHERE "id" = $1`, [laterId])).toEqual([{ status: "COMPLETED" }]);
  const inline = await c.api.push("tech1", { deviceId, changes: [createAsset(randomUUID(), { name: "R12 inline after" })] });
  expect(inline.results[0]).toMatchObject({ status: "applied", version: 1 });
  log.checked("the same device's next queued change COMPLETED and its next inline change applied");

  // Once the cause is gone, the dead letter can be retried and applies exactly once.
  await c.query(`ALTER TABLE "Asset" DROP CONSTRAINT chaos_poison`);
  const retried = await c.api.request<{ retried: string[] }>("POST", "/api/sync/queue/retry", { token: await c.api.token("tech1"), body: { ids: [rowOf(poisonAt!)] } });
  expect(retried.status).toBe(200);
  expect(retried.body.retried).toEqual([rowOf(poisonAt!)]);
  await queueSettled(c);
  const final = await c.api.push("tech1", body);
  expect(final.results[poisonAt!]).toMatchObject({ status: "applied", version: 1, duplicate: true });
  log.checked("after dropping the constraint, POST /api/sync/queue/retry re-ran the dead letter: applied once (version 1)");
  log.checked(await checkClusterInvariants(c));
});

test("a change PostgreSQL cannot store (year 0000) is refused at the door with its path, not a 500 that blocks the device", async () => {
  const deviceId = `r12-year0-${randomUUID()}`;
  const assetId = randomUUID();
  await c.api.push("tech1", { deviceId, changes: [createAsset(assetId, { name: "R12 year-0 host" })] });
  const badDate = change("task", "CREATE", randomUUID(), 0, { assetId, title: "from before the calendar", dueAt: "0000-06-01T00:00:00.000Z" });
  const badTimestamp = { ...change("task", "CREATE", randomUUID(), 0, { assetId, title: "sent in year 0" }), timestamp: "0000-12-31T23:00:00.000Z" };
  const fine = createAsset(randomUUID(), { name: "R12 same batch" });
  for (const [bad, path] of [[badDate, "changes.0.payload.dueAt"], [badTimestamp, "changes.0.timestamp"]] as const) {
    const reply = await c.api.pushRaw("tech1", { deviceId, changes: [bad, fine] });
    expect(reply.status, reply.text).toBe(400);
    const error = reply.body as unknown as { code: string; issues: { path: string }[] };
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.issues.map((i) => i.path)).toContain(path);
  }
  expect(await c.query(`SELECT 1 FROM "Asset" WHERE "id" = $1`, [fine.entityId])).toEqual([]);
  log.injected("inline pushes with a task dated 0000-06-01 and a change timestamped in year 0 (valid ISO strings PostgreSQL cannot store)");
  log.checked("both answered 400 VALIDATION_FAILED with the field's path; nothing of the batch written");
});
