import { isIP } from "node:net";
import { fileURLToPath } from "node:url";
import { redisPrefixSchema } from "@fieldsync/api";
import { limits } from "@fieldsync/schema";
import { z } from "zod";

/** Open event streams per user and per device on one process, unless MAX_STREAMS_PER_* say otherwise. */
export const defaultStreamLimits = { perUser: 10, perDevice: 2 } as const;

/**
 * The push gate (PushGate in @fieldsync/api) unless SYNC_PUSH_* say otherwise. Four slots: twice
 * the cores of the 2-core reference machine (a push spends part of its time in Node, parsing and
 * answering, so two per core keep PostgreSQL busy) and under half the pool of 10 connections, so
 * pulls, logins and the pushes' own extra queries always find one. Measured there (shared with
 * other work, 32 devices × 500 changes at once): 320–890 changes/s whatever the slots (2, 4, 8 or
 * ungated), run-to-run noise larger than any difference; the gate buys bounded pool use and
 * request times, not throughput. The queue takes what 64 devices send at once: a push waiting in
 * it costs its body's memory only, and its wait is bounded by maxWaitMs (well under clients' 30 s
 * request timeout), which is what refuses pushes when the server falls behind. A shorter queue
 * refused part of a 32-device burst at once, and those devices came back after Retry-After (a few
 * seconds, plus the client's spread) to queue again: B1-32's batch p99 was 7.9 s on an idle
 * machine, for no throughput gained, where waiting in line takes 32 × 500 changes / throughput.
 * Four more slots (an express lane) take pushes of up to 10 changes only, so a technician's edit is
 * answered while a reconnect storm fills the rest. Such a push is short in PostgreSQL but waits on
 * the event loop and its commit: with two, 2,000 live devices' 20 small pushes a second during a
 * storm (~200 ms each in the server) queued for seconds behind one another.
 */
export const defaultPushGate = { slots: 4, queueLength: 64, maxWaitMs: 10_000, express: { slots: 4, maxChanges: 10 } } as const;

/**
 * The pull gate unless SYNC_PULL_* say otherwise. A pull is a read plus one bookkeeping
 * statement, and a page of 1,000 changes is ~35–60 ms of PostgreSQL's CPU: two at once (one per
 * core of the reference machine) keep the rest of the database for pushes, and the pools' other
 * connections for pushes and logins. Its answers are paced to 64 MiB/s, above what one device
 * syncing at full speed takes (16 MiB/s capped B3's initial sync, ~1.3 kB a row, at 13,000
 * rows/s, where it runs at 20,000+ unpaced): after a storm,
 * a fleet pulling the same pages from the shared cache costs the database little but every
 * socket and client parser its megabytes, and unpaced it crowded out the live events. Past the
 * 2 + 128 the rest come back after Retry-After (plus the client's spread), which grows with the
 * refused clients due back, so the fleet's catch-up spreads out instead of exhausting the pools.
 */
/**
 * The share of the pull gate's pace a fleet's catch-up on a storm is planned to take (the hub's
 * catch-up windows): the rest stays for devices' other pulls.
 */
export const catchUpShare = 0.5;

export const defaultPullGate = { slots: 2, queueLength: 128, maxWaitMs: 5_000, bytesPerSecond: 64 * 1024 * 1024, requests: "pulls" } as const;

/** An address, a CIDR range, or one of the names proxy-addr (Fastify's trustProxy) knows. */
const isProxyAddress = (entry: string) => {
  const [address, bits, ...rest] = entry.split("/");
  if (["loopback", "linklocal", "uniquelocal"].includes(entry)) return true;
  const family = isIP(address ?? "");
  return family !== 0 && rest.length === 0 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
};

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    HOST: z.string().default("0.0.0.0"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/fieldsync"),
    /**
     * A streaming-replication hot standby of DATABASE_URL: delta and initial-sync reads go there,
     * everything else to the primary (docs/scaling.md). Unset: the primary serves every read.
     */
    DATABASE_READ_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: "DATABASE_READ_URL: a postgresql:// URL of a hot standby of DATABASE_URL" })
      .optional(),
    /** How long a pull waits for the standby to replay a device's own writes before the primary serves it. */
    DATABASE_READ_MAX_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(1000),
    /**
     * Set by `pnpm start` when there is no PostgreSQL (scripts/start.mjs): the folder of the
     * embedded PGlite database, used instead of DATABASE_URL.
     */
    EMBEDDED_DATA_DIR: z.string().optional(),
    /**
     * Apply pending migrations (`prisma migrate deploy`) before listening. Test kits turn it off:
     * their databases are clones of a migrated template, and the CLI takes seconds to start.
     */
    MIGRATE_ON_START: z.enum(["true", "false"]).default("true").transform((value) => value === "true"),
    /**
     * Without JWT_SECRET / CURSOR_SECRET (outside production) the server generates random ones on
     * first start and keeps them in DATA_DIR/secrets.json (mode 0600); see secrets.ts.
     */
    JWT_SECRET: z.string().min(32).optional(),
    JWT_ISSUER: z.string().default("fieldsync"),
    JWT_AUDIENCE: z.string().default("fieldsync-api"),
    /** Access tokens are short-lived; clients renew them through POST /api/auth/refresh. */
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(15 * 60),
    REFRESH_TTL_SECONDS: z.coerce.number().int().min(60).default(30 * 24 * 3600),
    /** Login attempts allowed per (email, IP) and window before 429. */
    LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
    /** Rate-limit store shared by every server instance; without it each instance limits alone. */
    REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
    /** Sync calls (push and delta, each call of a tRPC batch) allowed per user and device in each window. */
    SYNC_RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(120),
    SYNC_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
    CURSOR_SECRET: z.string().min(32).optional(),
    /** The server's own files (generated secrets). */
    DATA_DIR: z.string().default(fileURLToPath(new URL("../../../.data", import.meta.url))),
    /** Active (non-revoked) devices per user; one more is 403 DEVICE_LIMIT_REACHED. */
    MAX_DEVICES_PER_USER: z.coerce.number().int().min(1).default(20),
    /** Open event streams per user and per device on one server process; one more is 429 STREAM_LIMIT_REACHED. */
    MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).default(defaultStreamLimits.perUser),
    MAX_STREAMS_PER_DEVICE: z.coerce.number().int().min(1).default(defaultStreamLimits.perDevice),
    /** Pushes with more changes than this are queued for the worker instead of applied inline. */
    SYNC_INLINE_MAX_CHANGES: z.coerce.number().int().min(0).default(200),
    /** Pushes applied at once by this process; more wait in a queue (see defaultPushGate). */
    SYNC_PUSH_CONCURRENCY: z.coerce.number().int().min(1).default(defaultPushGate.slots),
    /** Pushes that may wait for a slot; one more is answered 503 SERVER_BUSY with Retry-After. */
    SYNC_PUSH_QUEUE_LENGTH: z.coerce.number().int().min(0).default(defaultPushGate.queueLength),
    /** Longest wait for a slot before 503 SERVER_BUSY; well under clients' request timeout (30 s). */
    SYNC_PUSH_QUEUE_WAIT_MS: z.coerce.number().int().min(0).default(defaultPushGate.maxWaitMs),
    /** The push gate's express lane: slots only pushes of at most SYNC_PUSH_EXPRESS_MAX_CHANGES take (0: none). */
    SYNC_PUSH_EXPRESS_SLOTS: z.coerce.number().int().min(0).default(defaultPushGate.express.slots),
    SYNC_PUSH_EXPRESS_MAX_CHANGES: z.coerce.number().int().min(1).default(defaultPushGate.express.maxChanges),
    /** Pulls (delta pages) served at once by this process, pulls that may wait, and their longest wait (see defaultPullGate). */
    SYNC_PULL_CONCURRENCY: z.coerce.number().int().min(1).default(defaultPullGate.slots),
    SYNC_PULL_QUEUE_LENGTH: z.coerce.number().int().min(0).default(defaultPullGate.queueLength),
    SYNC_PULL_QUEUE_WAIT_MS: z.coerce.number().int().min(0).default(defaultPullGate.maxWaitMs),
    /** What the pull gate's answers may send a second (bytes); 0: not paced. */
    SYNC_PULL_BYTES_PER_SECOND: z.coerce.number().int().min(0).default(defaultPullGate.bytesPerSecond),
    /** Attempts per queued change before it is dead-lettered; must match the worker's. */
    SYNC_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    SYNC_BACKOFF_MS: z.coerce.number().int().min(1).default(500),
    /** Every Redis key and channel of this deployment starts with it; must match the worker's. */
    REDIS_PREFIX: redisPrefixSchema,
    /**
     * When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; when not, /metrics
     * answers only while the server listens on loopback (HOST=127.0.0.1) and is refused (403) otherwise.
     */
    METRICS_TOKEN: z.string().min(16).optional(),
    /** Calls allowed in one batched /trpc request; never fewer than the PWA batches (limits.maxBatchCalls). */
    TRPC_MAX_BATCH_CALLS: z.coerce.number().int().min(limits.maxBatchCalls).default(limits.maxBatchCalls),
    /**
     * Comma-separated addresses or CIDR ranges of the reverse proxies in front of this server (e.g.
     * "127.0.0.1" behind `pnpm start:cluster`'s HAProxy). From them, X-Forwarded-For names the
     * client, whose address the login throttle and the unauthenticated sync rate limit count.
     * Unset: the peer's own address, so nobody can claim another by sending that header.
     */
    TRUST_PROXY: z
      .string()
      .refine((value) => value.split(",").every((entry) => isProxyAddress(entry.trim())), {
        message: 'TRUST_PROXY: comma-separated addresses or CIDR ranges (e.g. "127.0.0.1", "10.0.0.0/8"), or loopback / linklocal / uniquelocal',
      })
      .optional(),
    /** Comma-separated origins allowed by CORS (the PWA is normally same-origin). */
    CORS_ORIGINS: z.string().default(""),
    /** Built PWA to serve at /; nothing is served when the folder does not exist. */
    WEB_DIST: z.string().default(fileURLToPath(new URL("../../web/dist", import.meta.url))),
    BODY_LIMIT_BYTES: z.coerce.number().int().default(5 * 1024 * 1024),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("warn"),
  })
  // Production runs several instances, which must share their keys: a per-instance file will not do.
  .refine((env) => env.NODE_ENV !== "production" || (env.JWT_SECRET !== undefined && env.CURSOR_SECRET !== undefined), {
    message: "JWT_SECRET and CURSOR_SECRET must be set in production",
  });

export type Env = z.infer<typeof envSchema>;

/** The server's whole environment, validated once; nothing else reads process.env. */
export const loadEnv = (source: NodeJS.ProcessEnv = process.env): Env => envSchema.parse(source);
