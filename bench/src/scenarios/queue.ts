import { randomUUID } from "node:crypto";
import { startSyncWorker } from "@fieldsync/worker/worker";
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
 * B5. Queued sync: devices push B1 batches with `async: true` (stored PENDING, one job per
 * change), then the real sync worker (concurrency 4, as deployed) drains them: changes/s from
 * worker start until every row is settled, against B1's inline rate at the same device count.
 */
export async function queueScenarios(server: BenchServer, options: BenchOptions, b1Rate: Map<number, number>): Promise<ResultRow[]> {
  const noop: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    noop.push(await noopJobsPerSecond(options.queueNoopJobs));
    raw.push(await rawListJobsPerSecond(options.queueNoopJobs));
  }

  const devices = options.queueDevices;
  const ids = await seedAssets(server.pool, server.orgId, devices * 400, true);
  const pools = Array.from({ length: devices }, (_, d) => new EntityPool(ids.slice(d * 400, (d + 1) * 400)));
  const token = await caughtUpToken(server, "bench-queue-0");
  const queued: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    // One batch per device per round: a second one would build on versions the worker has not written yet.
    const pushed: { device: number; changes: SyncChangeInput[]; queueIds: string[] }[] = [];
    await inParallel(devices, async (d) => {
      const { changes } = pools[d]!.batch(batchSize);
      const response = await server.push(`bench-queue-${d}`, changes, token, true);
      pushed.push({ device: d, changes, queueIds: response.results.map((r) => (r.status === "queued" ? r.queueItemId : "")) });
    });
    const queueIds = pushed.flatMap((p) => p.queueIds);
    if (queueIds.includes("")) throw new Error("an async push was not queued");
    const worker = startSyncWorker({
      deps: { db: server.api.db },
      connection: workerConnection(),
      concurrency: 4,
      retry: { maxAttempts: 5, backoffMs: 500 },
      lockTimeoutMs: 5000,
      stalledIntervalMs: 30_000,
      prefix: server.prefix,
      log: () => undefined,
    });
    const start = now();
    for (;;) {
      const { rows } = await server.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "SyncQueue" WHERE "id" = ANY($1::text[]) AND "status" IN ('PENDING', 'SYNCING')`,
        [queueIds],
      );
      if (rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    queued.push(queueIds.length / (elapsedMs(start) / 1000));
    await worker.close();
    const { rows } = await server.pool.query<{ id: string; result: { status: string; version?: number } }>(
      `SELECT "id", "result" FROM "SyncQueue" WHERE "id" = ANY($1::text[])`,
      [queueIds],
    );
    const results = new Map(rows.map((r) => [r.id, r.result]));
    for (const p of pushed) pools[p.device]!.record(p.changes, p.queueIds.map((id) => results.get(id)!));
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
  // B1 at the nearest measured device count.
  const nearest = [...b1Rate.keys()].sort((a, b) => Math.abs(a - devices) - Math.abs(b - devices))[0]!;
  const b1 = b1Rate.get(nearest)!;
  const queuedRow = row({
    id: "B5-queued",
    scenario: `B5 queued sync: ${devices} devices' async pushes drained by the worker`,
    unit: "changes/s",
    higherIsBetter: true,
    ours: summarize(queued),
    baseline: summarize([b1]),
    baselineLabel: `B1 inline push, ${nearest} device${nearest > 1 ? "s" : ""} (this run)`,
    target: "≥ 0.8× B1",
    met: null,
  });
  queuedRow.met = queuedRow.ratio! >= 0.8;
  return [noopRow, queuedRow];
}
