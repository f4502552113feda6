import { commitWindows, createRedisNotifier, createResponseCache } from "@fieldsync/api";
import { createDb } from "@fieldsync/db";
import { Redis } from "ioredis";
import { loadWorkerEnv } from "./env.ts";
import { startAlertSweep, startRelay, startRetentionSweep, startSyncWorker } from "./worker.ts";

const env = loadWorkerEnv();
const db = createDb(env.DATABASE_URL);
// BullMQ workers need maxRetriesPerRequest: null; while Redis is down they wait and reconnect.
const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 200, 5000) });
connection.on("error", () => undefined);
// Publishing on its own connection: the worker's is busy with BullMQ's blocking commands.
const publisher = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 200, 5000) });
publisher.on("error", () => undefined);
// One nudge per organization per commit window, not one per 100 changes applied.
const deps = { db, notifier: commitWindows(createRedisNotifier(db, publisher, env.REDIS_PREFIX)) };
const retry = { maxAttempts: env.SYNC_MAX_ATTEMPTS, backoffMs: env.SYNC_BACKOFF_MS };
const prefix = env.REDIS_PREFIX;

const worker = startSyncWorker({
  deps,
  connection,
  concurrency: env.WORKER_CONCURRENCY,
  retry,
  lockTimeoutMs: env.SYNC_LOCK_TIMEOUT_MS,
  stalledIntervalMs: env.STALLED_INTERVAL_MS,
  lockDurationMs: env.JOB_LOCK_MS,
  prefix,
});
const relay = startRelay({ deps, connection, retry, intervalMs: env.RELAY_INTERVAL_MS, olderThanMs: env.RELAY_AFTER_MS, prefix });
const alerts = startAlertSweep({ deps, cache: createResponseCache(connection, prefix), intervalMs: env.ALERT_INTERVAL_MS });
const retention = startRetentionSweep({
  deps,
  policy: { logHorizonDays: env.SYNC_LOG_HORIZON_DAYS, claimRetentionDays: env.SYNC_CLAIM_RETENTION_DAYS },
  intervalMs: env.RETENTION_INTERVAL_MS,
});

let closing = false;
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`worker: ${signal}, finishing active jobs`);
  alerts.close();
  await retention.close();
  await relay.close();
  await worker.close();
  connection.disconnect();
  publisher.disconnect();
  await db.$disconnect();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
console.log(`worker: processing ${env.WORKER_CONCURRENCY} job(s) at a time (Redis prefix "${prefix}")`);
