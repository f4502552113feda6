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
  /** The deployment's prefix on every Redis key and channel; must match the server's. */
  REDIS_PREFIX: redisPrefixSchema,
});

export type WorkerEnv = z.infer<typeof envSchema>;

/** The worker's whole environment, validated once; nothing else reads process.env. */
export const loadWorkerEnv = (source: NodeJS.ProcessEnv = process.env): WorkerEnv => envSchema.parse(source);
