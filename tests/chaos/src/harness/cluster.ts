// The suite's private world: PostgreSQL (initdb in the temp dir the global setup made), a
// redis-server, the server and the worker as processes, and a pg pool for checking final states.
// Started once and shared by the scenario files (vitest runs them in one process, isolate: false):
// starting the server costs tens of seconds on this machine. Each scenario uses its own entities
// and devices, heals whatever it broke, and checks the cluster-wide invariants on its way out.
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { Api } from "./client.ts";
import { PrivatePostgres, initCluster } from "./postgres.ts";
import { Reaper, waitFor } from "./processes.ts";
import { PrivateRedis } from "./redis.ts";
import { ServerProcess, WorkerProcess } from "./services.ts";

export interface ClusterOptions {
  server?: Record<string, string>;
  worker?: Record<string, string>;
  /** Start the worker process with the cluster (default true). */
  startWorker?: boolean;
}

/** The cluster's REDIS_PREFIX (server and worker): its queues' keys start with it. */
export const redisPrefix = "chaos";

async function startCluster(options: ClusterOptions = {}) {
  const started = Date.now();
  const dir = inject("chaosDir");
  const reaper = new Reaper(dir, join(dir, "data"));
  try {
    const postgres = new PrivatePostgres(await initCluster(dir), dir);
    await postgres.start();
    const redis = new PrivateRedis(reaper);
    await redis.start();
    const common = {
      NODE_ENV: "test",
      DATABASE_URL: postgres.url(),
      REDIS_URL: redis.url,
      SYNC_MAX_ATTEMPTS: "4",
      SYNC_BACKOFF_MS: "100",
      REDIS_PREFIX: redisPrefix,
    };
    const server = new ServerProcess(reaper, {
      ...common,
      LOG_LEVEL: "warn",
      JWT_TTL_SECONDS: "86400",
      SYNC_RATE_LIMIT_MAX: "1000000",
      LOGIN_MAX_ATTEMPTS: "100000",
      // The load model gives every simulated phone a device id of its own, many per demo user.
      MAX_DEVICES_PER_USER: "100000",
      // Its generated signing keys stay in this run's folder (every server of the cluster shares them).
      DATA_DIR: join(dir, "server-data"),
      WEB_DIST: join(dir, "no-web-dist"),
      ...options.server,
    });
    const worker = new WorkerProcess(reaper, {
      ...common,
      WORKER_CONCURRENCY: "2",
      STALLED_INTERVAL_MS: "1000",
      JOB_LOCK_MS: "2000",
      RELAY_INTERVAL_MS: "500",
      RELAY_AFTER_MS: "1000",
      SYNC_LOCK_TIMEOUT_MS: "2000",
      ALERT_INTERVAL_MS: "600000",
      ...options.worker,
    });
    // The server applies the migrations and seeds the demo data on its first start.
    await server.start();
    if (options.startWorker !== false) await worker.start();
    console.log(`chaos: cluster up in ${Date.now() - started} ms (postgres :${postgres.port}, redis :${redis.port}, server :${server.port})`);
    const db = new pg.Pool({ connectionString: postgres.url(), max: 8 });
    // Idle clients die with the database in the restart scenarios; queries then reconnect.
    db.on("error", () => undefined);
    const api = new Api(() => server.url);

    return {
      dir,
      reaper,
      postgres,
      redis,
      server,
      worker,
      db,
      api,
      /** A query against the cluster's database, for final-state checks. */
      async query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
        return (await db.query<T>(sql, params)).rows;
      },
      async close() {
        await Promise.allSettled([server.kill(), worker.kill(), redis.kill()]);
        await db.end().catch(() => undefined);
        await postgres.stop("immediate").catch(() => undefined);
        reaper.cleanupSync();
      },
    };
  } catch (error) {
    reaper.cleanupSync();
    throw error;
  }
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

let shared: Promise<Cluster> | null = null;

/** The shared cluster, started on first use and healed (anything a scenario killed is restarted). */
export async function cluster(): Promise<Cluster> {
  shared ??= startCluster();
  const c = await shared;
  if (!(await c.query("SELECT 1").then(() => true, () => false))) {
    await c.postgres.stop("immediate").catch(() => undefined);
    await c.postgres.start();
  }
  if (!c.redis.running) await c.redis.start();
  if (!c.server.running) await c.server.start();
  if (!c.worker.running) await c.worker.start();
  await waitFor(async () => (await c.api.request("GET", "/healthz").catch(() => null))?.status === 200, 60_000, "the server's health check");
  return c;
}

declare module "vitest" {
  export interface ProvidedContext {
    chaosDir: string;
  }
}
