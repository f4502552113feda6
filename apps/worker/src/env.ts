import { redisPrefixSchema } from "@fieldsync/api";
import { z } from "zod";

const envSchema = z.object({
  DATABASE_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/fieldsync"),
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  /** Jobs processed at once by this process; run more processes to scale further. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /** Attempts per change before it is dead-lettered; keep equal to the server's. */
  SYNC_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  SYNC_BACKOFF_MS: z.coerce.number().int().min(1).default(500),
  /** One attempt waits this long for a row lock, then fails and is retried with backoff. */
  SYNC_LOCK_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  /** How often a crashed worker's active jobs are detected and handed to another. */
  STALLED_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** A job whose worker stops renewing its lock for this long counts as stalled. */
  JOB_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  /** The relay re-enqueues PENDING changes older than RELAY_AFTER_MS whose job is missing. */
  RELAY_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  RELAY_AFTER_MS: z.coerce.number().int().min(0).default(15_000),
  ALERT_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Change-log weeks wholly older than this are dropped and tombstones purged; a device whose
   * cursor predates what is left resyncs from a snapshot, keeping its outbox (docs/reliability.md).
   */
  SYNC_LOG_HORIZON_DAYS: z.coerce.number().int().min(1).default(30),
  /** How long a pushed change is still recognised as a duplicate when retried; at least the horizon. */
  SYNC_CLAIM_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  /** How often the retention sweep runs (partitions ahead, drops, purges). */
  RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** The deployment's prefix on every Redis key and channel; must match the server's. */
  REDIS_PREFIX: redisPrefixSchema,
}).refine((env) => env.SYNC_CLAIM_RETENTION_DAYS >= env.SYNC_LOG_HORIZON_DAYS, {
  message: "SYNC_CLAIM_RETENTION_DAYS must be at least SYNC_LOG_HORIZON_DAYS: a device within the horizon must still be recognised when it retries a push",
  path: ["SYNC_CLAIM_RETENTION_DAYS"],
});

export type WorkerEnv = z.infer<typeof envSchema>;

/** The worker's whole environment, validated once; nothing else reads process.env. */
export const loadWorkerEnv = (source: NodeJS.ProcessEnv = process.env): WorkerEnv => envSchema.parse(source);
