import { ensureLogPartitions, seedDemoData } from "@fieldsync/api";
import { createDb, migrateDeploy } from "@fieldsync/db";
import { openEmbeddedDatabase } from "@fieldsync/db/embedded";
import { buildApp } from "./app.ts";
import { apiConfig } from "./config.ts";
import { catchUpShare, loadEnv } from "./env.ts";
import { connectRedisServices } from "./redis.ts";
import { loadSecrets } from "./secrets.ts";

const env = loadEnv();
const secrets = loadSecrets(env);
// Embedded mode: PGlite in this process, migrated on open; no worker can reach it, so no job queue
// (every push is applied inline and /api/sync/status reports background processing degraded).
const embedded = env.EMBEDDED_DATA_DIR ? await openEmbeddedDatabase(env.EMBEDDED_DATA_DIR) : null;
if (!embedded && env.MIGRATE_ON_START) await migrateDeploy(env.DATABASE_URL);
const db = embedded?.db ?? createDb(env.DATABASE_URL);
// Embedded, there is no standby to read from.
const readReplica = !embedded && env.DATABASE_READ_URL
  ? { db: createDb(env.DATABASE_READ_URL, { readOnly: true }), maxWaitMs: env.DATABASE_READ_MAX_WAIT_MS }
  : null;
// The change log's weeks ahead of the clock (a write into a week without a partition would fail):
// the worker's retention sweep keeps them, and so does the server, which may run without a worker
// (embedded mode has none). Idempotent, and serialised in the database between processes.
await ensureLogPartitions(db);
const partitionTimer = setInterval(() => void ensureLogPartitions(db).catch((e) => console.warn(`log partitions: ${e.message}`)), 6 * 3_600_000);
if ((await db.organization.count()) === 0) {
  await seedDemoData(db);
  console.log("Empty database: demo data seeded (README lists the demo users).");
}

const redis = connectRedisServices(db, {
  url: env.REDIS_URL,
  prefix: env.REDIS_PREFIX,
  retry: { maxAttempts: env.SYNC_MAX_ATTEMPTS, backoffMs: env.SYNC_BACKOFF_MS },
  queue: !embedded,
  rateLimit: { max: env.SYNC_RATE_LIMIT_MAX, timeWindowMs: env.SYNC_RATE_LIMIT_WINDOW_MS },
  log: (m) => console.warn(m),
  catchUpBytesPerSecond: env.SYNC_PULL_BYTES_PER_SECOND * catchUpShare || undefined,
});
const { queue, cache, notifier, hub, syncRateLimit } = redis;
const app = await buildApp({
  deps: { db, readReplica, config: apiConfig(env, secrets), queue, cache, notifier },
  hub,
  streamLimits: { perUser: env.MAX_STREAMS_PER_USER, perDevice: env.MAX_STREAMS_PER_DEVICE },
  corsOrigins: env.CORS_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
  webDist: env.WEB_DIST,
  bodyLimit: env.BODY_LIMIT_BYTES,
  logger: { level: env.LOG_LEVEL },
  metricsToken: env.METRICS_TOKEN,
  trpcMaxBatchCalls: env.TRPC_MAX_BATCH_CALLS,
  pullGate: {
    slots: env.SYNC_PULL_CONCURRENCY,
    queueLength: env.SYNC_PULL_QUEUE_LENGTH,
    maxWaitMs: env.SYNC_PULL_QUEUE_WAIT_MS,
    bytesPerSecond: env.SYNC_PULL_BYTES_PER_SECOND || undefined,
    requests: "pulls",
  },
  pushGate: { slots: env.SYNC_PUSH_CONCURRENCY, queueLength: env.SYNC_PUSH_QUEUE_LENGTH, maxWaitMs: env.SYNC_PUSH_QUEUE_WAIT_MS, express: { slots: env.SYNC_PUSH_EXPRESS_SLOTS, maxChanges: env.SYNC_PUSH_EXPRESS_MAX_CHANGES } },
  syncRateLimit,
  trustProxy: env.TRUST_PROXY,
});

let closing = false;
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  clearInterval(partitionTimer);
  await app.close();
  await redis.close();
  await (embedded ? embedded.close() : db.$disconnect());
  await readReplica?.db.$disconnect();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

await app.listen({ host: env.HOST, port: env.PORT });
const port = (app.server.address() as { port: number }).port;
console.log(`Fieldsync is running at http://localhost:${port}`);
