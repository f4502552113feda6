// The worker process runs the retention sweep: a change-log week past SYNC_LOG_HORIZON_DAYS is
// dropped (the organization's horizon recorded), weeks ahead exist, and a device whose cursor
// predates the horizon is then answered resetRequired. Also: the env refuses a claim retention
// shorter than the horizon.
import { create } from "@fieldsync/testing/changes";
import { afterEach, expect, test } from "vitest";
import { loadWorkerEnv } from "./env.ts";
import { exited, spawnWorker } from "./process-harness.ts";
import { type WorkerTest, redisUrl, setupWorkerTest, waitFor } from "./test-harness.ts";

let t: WorkerTest;
const children: ReturnType<typeof spawnWorker>[] = [];
afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  await t?.close();
});

test("the worker drops a week past the horizon and the server then resets a device behind it", async () => {
  t = await setupWorkerTest();
  const first = await t.api.push("tech1", "old-phone", [create(crypto.randomUUID(), { name: "Before" })]);
  expect(first.resetRequired).toBe(false);
  // Forty days ago: a week of this organization's log, written after the device's cursor (the
  // clock cannot go back, so its rows are inserted with their old createdAt).
  const [week] = await t.api.db.$queryRaw<{ name: string }[]>`
    SELECT fieldsync_log_partition(now() AT TIME ZONE 'UTC' - interval '40 days') AS "name"`;
  const name = week!.name;
  await t.api.db.$executeRaw`
    INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "actor", "createdAt")
    SELECT "id", 'asset', gen_random_uuid()::text, 'CREATE', 1, 'old', now() AT TIME ZONE 'UTC' - interval '40 days' FROM "Organization"`;
  const partitions = () => t.api.db.$queryRaw<{ relname: string }[]>`
    SELECT c."relname"::text AS "relname" FROM pg_inherits i JOIN pg_class c ON c."oid" = i."inhrelid" WHERE i."inhparent" = '"ChangeLog"'::regclass`;
  expect((await partitions()).map((p) => p.relname)).toContain(name);

  const worker = spawnWorker({ DATABASE_URL: t.api.databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: t.prefix, SYNC_LOG_HORIZON_DAYS: "30" });
  children.push(worker);
  await waitFor(async () => !(await partitions()).some((p) => p.relname === name), 60_000, "the worker to drop the old week").catch((error) => {
    throw new Error(`${error.message}; worker output: ${worker.output.join("")}`);
  });
  expect(await t.api.db.syncLogHorizon.count()).toBeGreaterThan(0);
  // Four weeks ahead of this one exist, so writes never meet a missing week.
  expect((await partitions()).length).toBeGreaterThanOrEqual(5);

  const again = await t.api.push("tech1", "old-phone", [create(crypto.randomUUID(), { name: "After" })], first.syncToken);
  expect(again.resetRequired).toBe(true);
  expect(again.results).toMatchObject([{ status: "applied" }]);
  const next = await t.api.push("tech1", "old-phone", [], again.syncToken);
  expect(next.resetRequired).toBe(false);

  worker.kill("SIGTERM");
  await exited(worker);
});

test("a claim retention shorter than the horizon is refused at start", () => {
  expect(() => loadWorkerEnv({ SYNC_LOG_HORIZON_DAYS: "30", SYNC_CLAIM_RETENTION_DAYS: "7" })).toThrow(/SYNC_CLAIM_RETENTION_DAYS/);
  expect(loadWorkerEnv({})).toMatchObject({ SYNC_LOG_HORIZON_DAYS: 30, SYNC_CLAIM_RETENTION_DAYS: 90 });
});
