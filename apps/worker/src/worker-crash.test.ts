import { update } from "@fieldsync/testing/changes";
import { seededAsset } from "@fieldsync/testing/demo";
import pg from "pg";
import { afterEach, expect, test } from "vitest";
import { exited, spawnWorker } from "./process-harness.ts";
import { type WorkerTest, redisUrl, setupWorkerTest, waitFor } from "./test-harness.ts";

let t: WorkerTest;
const children: ReturnType<typeof spawnWorker>[] = [];
afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  await t?.close();
});

test("a worker killed with SIGKILL in the middle of a job: the job is re-run after the stall and applied exactly once", async () => {
  t = await setupWorkerTest({ inlineMaxChanges: 0 });
  const workerEnv = {
    DATABASE_URL: t.api.databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: t.prefix,
    STALLED_INTERVAL_MS: "1000",
    JOB_LOCK_MS: "2000",
    SYNC_LOCK_TIMEOUT_MS: "60000",
    RELAY_AFTER_MS: "600000",
  };
  // A long transaction holds the entity, so the worker's job blocks inside its own transaction.
  const blocker = new pg.Client({ connectionString: t.api.databaseUrl });
  await blocker.connect();
  await blocker.query("BEGIN");
  await blocker.query(`SELECT 1 FROM "SyncMetadata" WHERE "entityId" = $1 FOR UPDATE`, [seededAsset]);

  const response = await t.api.push("tech1", "crash-phone", [update(seededAsset, 1, { notes: "survives a crash" })]);
  const id = response.results[0]!.status === "queued" ? response.results[0]!.queueItemId : "";
  const first = spawnWorker(workerEnv);
  children.push(first);
  await waitFor(async () => {
    // Not from the blocker: pg_stat_activity is a snapshot for the length of a transaction.
    const [waiting] = await t.api.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    return waiting!.n > 0;
  }, 60_000, "the worker to block inside its job").catch((error) => {
    throw new Error(`${error.message}; worker output: ${first.output.join("")}`);
  });
  expect(await t.queue.queue.getJobState(id)).toBe("active");

  first.kill("SIGKILL");
  await exited(first);
  await blocker.query("COMMIT");
  await blocker.end();

  const second = spawnWorker(workerEnv);
  children.push(second);
  await t.settled([id]);
  expect(await t.api.db.syncQueue.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "COMPLETED" });
  expect((await t.api.db.syncMetadata.findFirstOrThrow({ where: { entityId: seededAsset } })).version).toBe(2);
  expect(await t.api.db.changeLog.count({ where: { entityId: seededAsset } })).toBe(2);
  expect((await t.api.db.asset.findFirstOrThrow({ where: { id: seededAsset } })).notes).toBe("survives a crash");
  second.kill("SIGTERM");
  await exited(second);
  expect(second.exitCode).toBe(0);
});
