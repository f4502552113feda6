// Worker tests: the real server as a process (@fieldsync/testing/server) with its job queue on
// Redis under a unique key prefix, a fresh seeded database, and in-process workers started on demand.
import { randomUUID } from "node:crypto";
import { type RetryPolicy, createBackgroundQueue } from "@fieldsync/api";
import { startTestServer } from "@fieldsync/testing/server";
import { Redis } from "ioredis";
import { startRelay, startSyncWorker } from "./worker.ts";

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ready = (redis: Redis) =>
  redis.status === "ready" ? Promise.resolve() : new Promise<void>((resolve) => redis.once("ready", () => resolve()));

export async function setupWorkerTest(options: { inlineMaxChanges?: number; retry?: RetryPolicy; lockTimeoutMs?: number; redis?: string } = {}) {
  const url = options.redis ?? redisUrl;
  const prefix = `test-${randomUUID()}`;
  const retry = options.retry ?? { maxAttempts: 5, backoffMs: 50 };
  const producer = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
  producer.on("error", () => undefined);
  await ready(producer);
  const queue = createBackgroundQueue(producer, retry, { prefix, log: () => undefined });
  // The server enqueues with the same retry policy as the workers below.
  const api = await startTestServer({
    inlineMaxChanges: options.inlineMaxChanges ?? 3,
    redisUrl: url,
    queuePrefix: prefix,
    env: { SYNC_MAX_ATTEMPTS: String(retry.maxAttempts), SYNC_BACKOFF_MS: String(retry.backoffMs) },
  });
  const connections: Redis[] = [producer];
  const closers: (() => Promise<unknown>)[] = [];

  const connect = () => {
    const connection = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    connection.on("error", () => undefined);
    connections.push(connection);
    return connection;
  };

  const startWorker = () => {
    const worker = startSyncWorker({
      deps: { db: api.db },
      connection: connect(),
      concurrency: 2,
      retry,
      lockTimeoutMs: options.lockTimeoutMs ?? 2000,
      stalledIntervalMs: 1000,
      prefix,
      log: () => undefined,
    });
    closers.push(() => worker.close());
    return worker;
  };

  const startRelayLoop = () => {
    const relay = startRelay({ deps: { db: api.db }, connection: connect(), retry, intervalMs: 200, olderThanMs: 0, prefix, log: () => undefined });
    closers.push(() => relay.close());
    return relay;
  };

  /** Resolves when none of the given SyncQueue rows is waiting any more. */
  const settled = (ids: string[]) =>
    waitFor(async () => (await api.db.syncQueue.count({ where: { id: { in: ids }, status: { in: ["PENDING", "SYNCING"] } } })) === 0, 60_000, "queued changes to settle");

  return {
    api,
    queue,
    prefix,
    retry,
    startWorker,
    startRelayLoop,
    settled,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.queue.close().catch(() => undefined);
      for (const connection of connections) connection.disconnect();
      await api.stop();
    },
  };
}

export type WorkerTest = Awaited<ReturnType<typeof setupWorkerTest>>;
