import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import type { SyncChangeInput } from "@fieldsync/schema";
import { Redis } from "ioredis";
import { EntityPool } from "../data.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { seedAssets } from "../seed.ts";
import { type BenchServer, redisUrl } from "../server.ts";
import { elapsedMs, inParallel, now, summarize } from "../stats.ts";
import { batchSize, caughtUpToken } from "./push.ts";

/** A connection for BullMQ workers and the raw list queue (B5-noop, in this process). */
const workerConnection = () => {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  connection.on("error", () => undefined);
  return connection;
};

/** Consumers in B5-noop and its baseline: 4 BullMQ workers × concurrency 50, or 200 list poppers. */
const noopWorkers = 4;
const noopConcurrency = 50;

/** BullMQ no-op jobs/s: `count` jobs added up front, then drained by 4 workers (concurrency 50 each). */
async function noopJobsPerSecond(count: number): Promise<number> {
  const prefix = `bench-${randomUUID()}`;
  const producer = workerConnection();
  const queue = new Queue("bench-noop", { connection: producer, prefix, defaultJobOptions: { removeOnComplete: true } });
  for (let i = 0; i < count; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ name: "noop", data: { i: i + j } })));
  }
  let done = 0;
  let finish = () => undefined as void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const start = now();
  const workers = Array.from({ length: noopWorkers }, () => {
    const worker = new Worker("bench-noop", async () => undefined, { connection: workerConnection(), prefix, concurrency: noopConcurrency });
    worker.on("completed", () => {
      if (++done === count) finish();
    });
    worker.on("error", () => undefined);
    return worker;
  });
  await finished;
  const rate = count / (elapsedMs(start) / 1000);
  await Promise.all(workers.map((worker) => worker.close()));
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
  return rate;
}

/** Baseline: a reliable Redis list queue (RPOPLPUSH, then LREM to acknowledge), same concurrency. */
async function rawListJobsPerSecond(count: number): Promise<number> {
  const key = `bench-${randomUUID()}`;
  const redis = workerConnection();
  for (let i = 0; i < count; i += 1000) {
    await redis.lpush(`${key}:wait`, ...Array.from({ length: Math.min(1000, count - i) }, (_, j) => JSON.stringify({ i: i + j })));
  }
  const start = now();
  await inParallel(noopWorkers * noopConcurrency, async () => {
    for (;;) {
      const job = await redis.rpoplpush(`${key}:wait`, `${key}:active`);
      if (job === null) return;
      await redis.lrem(`${key}:active`, 1, job);
    }
  });
  const rate = count / (elapsedMs(start) / 1000);
  await redis.del(`${key}:wait`, `${key}:active`);
  redis.disconnect();
  return rate;
}

/**
 * B5. Queued sync against inline sync at the same device count, in the same run: per repeat, N
 * devices each push one B1 batch inline (answered when applied), and N other devices each push one
 * with `async: true` (answered at once, stored PENDING) that the real worker process (concurrency
 * 4, as deployed, running all along) applies. Both rates are changes/s from the first push sent
 * until every change is applied: the inline push's last answer, or the last queued row settled.
 */
export async function queueScenarios(server: BenchServer, options: BenchOptions): Promise<ResultRow[]> {
  const noop: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    noop.push(await noopJobsPerSecond(options.queueNoopJobs));
    raw.push(await rawListJobsPerSecond(options.queueNoopJobs));
  }

  const devices = options.queueDevices;
  const ids = await seedAssets(server.pool, server.orgId, 2 * devices * 400, true);
  const poolsOf = (offset: number) => Array.from({ length: devices }, (_, d) => new EntityPool(ids.slice((offset + d) * 400, (offset + d + 1) * 400)));
  const queuedPools = poolsOf(0);
  const inlinePools = poolsOf(devices);
  const start = await caughtUpToken(server, "bench-queue-0");
  // Each device carries the token its last push returned, as in B1 (a stale one makes every push pull more).
  const tokens = new Map<string, string | null>();
  const pushAs = async (deviceId: string, changes: SyncChangeInput[], async: boolean) => {
    const response = await server.push(deviceId, changes, tokens.get(deviceId) ?? start, async);
    tokens.set(deviceId, response.syncToken);
    return response;
  };
  await server.startWorker();

  const runQueued = async () => {
    // One batch per device per round: a second one would build on versions the worker has not written yet.
    const pushed: { device: number; changes: SyncChangeInput[]; queueIds: string[] }[] = [];
    const t0 = now();
    await inParallel(devices, async (d) => {
      const { changes } = queuedPools[d]!.batch(batchSize);
      const response = await pushAs(`bench-queue-${d}`, changes, true);
      pushed.push({ device: d, changes, queueIds: response.results.map((r) => (r.status === "queued" ? r.queueItemId : "")) });
    });
    const queueIds = pushed.flatMap((p) => p.queueIds);
    if (queueIds.includes("")) throw new Error("an async push was not queued");
    // Settled when the devices have no unfinished row left (earlier rounds' rows are all settled):
    // a range of the unfinished rows' (clientId, seq) index per device, where looking up the round's 500 ×
    // N row ids every 20 ms took PostgreSQL CPU from the worker it was waiting for.
    const deviceIds = pushed.map((p) => `bench-queue-${p.device}`);
    for (;;) {
      const { rows } = await server.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "SyncClient" c JOIN "SyncQueue" q ON q."clientId" = c."id"
         WHERE c."orgId" = $1 AND c."deviceId" = ANY($2::text[]) AND q."status" IN ('PENDING', 'SYNCING')`,
        [server.orgId, deviceIds],
      );
      if (rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rate = queueIds.length / (elapsedMs(t0) / 1000);
    const { rows } = await server.pool.query<{ id: string; result: { status: string; version?: number } }>(
      `SELECT "id", "result" FROM "SyncQueue" WHERE "id" = ANY($1::text[])`,
      [queueIds],
    );
    const results = new Map(rows.map((r) => [r.id, r.result]));
    for (const p of pushed) queuedPools[p.device]!.record(p.changes, p.queueIds.map((id) => results.get(id)!));
    return rate;
  };

  const runInline = async () => {
    const t0 = now();
    await inParallel(devices, async (d) => {
      const { changes } = inlinePools[d]!.batch(batchSize);
      const response = await pushAs(`bench-inline-${d}`, changes, false);
      inlinePools[d]!.record(changes, response.results);
    });
    return (devices * batchSize) / (elapsedMs(t0) / 1000);
  };

  const queued: number[] = [];
  const inline: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    if (r % 2) inline.push(await runInline());
    queued.push(await runQueued());
    if (r % 2 === 0) inline.push(await runInline());
  }

  const noopRow = row({
    id: "B5-noop",
    scenario: `B5 BullMQ no-op jobs (${options.queueNoopJobs.toLocaleString("en")} jobs, ${noopWorkers} workers × concurrency ${noopConcurrency})`,
    unit: "jobs/s",
    higherIsBetter: true,
    ours: summarize(noop),
    baseline: summarize(raw),
    baselineLabel: "raw Redis list queue (RPOPLPUSH + LREM)",
    target: "≥ 10,000 jobs/s",
    met: null,
  });
  noopRow.met = noopRow.ours.median >= 10_000;
  const queuedRow = row({
    id: "B5-queued",
    scenario: `B5 queued sync: ${devices} devices' async pushes of ${batchSize} applied by the worker process`,
    unit: "changes/s",
    higherIsBetter: true,
    ours: summarize(queued),
    baseline: summarize(inline),
    baselineLabel: `B1 inline push, ${devices} devices (same run, interleaved)`,
    target: "≥ 0.8× B1",
    met: null,
    note: "both from the first push sent until every change is applied; the worker process runs all along (startup not counted)",
  });
  queuedRow.met = queuedRow.ratio! >= 0.8;
  return [noopRow, queuedRow];
}
