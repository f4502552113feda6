import { demoPassword } from "@fieldsync/api";
import type { DeltaResponse, PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { Redis } from "ioredis";
import pg from "pg";
import { type ChildService, startChild } from "@fieldsync/testing/child-process";
import { sendUntilAccepted } from "@fieldsync/testing/server-busy";
import { startTestServer } from "@fieldsync/testing/server";
import { repoRoot } from "@fieldsync/testing/workspace";

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The server under test: `apps/server/src/main.ts` in a process of its own (startTestServer: a
 * fresh database cloned from the migrated template with the demo data, a Redis prefix of its own),
 * here in production mode with logs at error level. The benchmark process is the load generator:
 * it sends the devices' HTTP calls and runs the baselines' SQL, so each side pays its client's
 * costs (building and serializing requests, parsing answers) in this process and its server's in
 * another. Pushes up to 1000 changes are applied inline, so B1 measures the inline path and B5
 * asks for the queued one (`startWorker` runs the real worker process, as deployed).
 */
/** How every benchmarked server runs (one process or a cluster's nodes). */
export const benchServerEnv = {
  NODE_ENV: "production",
  LOG_LEVEL: "error",
  REDIS_URL: redisUrl,
  SYNC_INLINE_MAX_CHANGES: "1000",
  MAX_DEVICES_PER_USER: "100000",
  // One access token serves the whole run (a full run takes longer than the default 15 minutes).
  JWT_TTL_SECONDS: String(6 * 3600),
  // Thousands of devices of one user (B6: 2,000 with a stream each), pushing as fast as they can.
  MAX_STREAMS_PER_USER: "100000",
  MAX_STREAMS_PER_DEVICE: "100",
  SYNC_RATE_LIMIT_MAX: "100000000",
  LOGIN_MAX_ATTEMPTS: "100000",
};

export async function startBenchServer() {
  const server = await startTestServer({ env: benchServerEnv });
  const workers: ChildService[] = [];
  const pool = new pg.Pool({ connectionString: server.databaseUrl, max: 20, options: "-c TimeZone=UTC" });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    const [org] = (await pool.query<{ orgId: string }>(`SELECT "orgId" FROM "User" WHERE email = 'tech1@northwind.test'`)).rows;
    const tokens = new Map<string, Promise<string>>();
    /** tech1's access token on `deviceId` (tokens are valid for their own device only). */
    const tokenFor = (deviceId: string) => tokens.get(deviceId) ?? tokens.set(deviceId, login(server.url, deviceId)).get(deviceId)!;

    return {
      url: server.url,
      databaseUrl: server.databaseUrl,
      cursorSecret: server.secrets.cursorSecret,
      pool,
      orgId: org!.orgId,
      redis,
      ...syncClient(server.url, tokenFor),
      /** The real worker process (concurrency 4, as deployed) on this server's queue, started by path. */
      startWorker: async () => {
        const worker = await startChild({
          cwd: repoRoot,
          args: ["--import", "tsx", "apps/worker/src/main.ts"],
          env: {
            NODE_ENV: "production",
            DATABASE_URL: server.databaseUrl,
            REDIS_URL: redisUrl,
            REDIS_PREFIX: server.queuePrefix,
            WORKER_CONCURRENCY: "4",
            ALERT_INTERVAL_MS: String(3600_000),
          },
          ready: /worker: processing/,
        });
        workers.push(worker);
        return worker;
      },
      close: async () => {
        for (const worker of workers) await worker.stop();
        // Before the database is dropped (which ends its connections).
        await pool.end();
        await server.stop();
        // Every key of this server and its worker (queue, cache, rate limits) is under its prefix.
        await deleteKeys(redis, `${server.queuePrefix}:*`);
        redis.disconnect();
      },
    };
  } catch (error) {
    await pool.end();
    redis.disconnect();
    await server.stop();
    throw error;
  }
}

export type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

export async function deleteKeys(redis: Redis, pattern: string) {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** A password login of a demo user (tech1 unless `email` names another) on `deviceId`; its access token. */
export async function login(url: string, deviceId: string, email = "tech1@northwind.test"): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: demoPassword, deviceId }),
  });
  if (!response.ok) throw new Error(`login on ${deviceId}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** A device's HTTP calls, as tech1, each with the token of the device it names. */
/** `parsePage` reads a pull's answer (JSON.parse by default); once `signal` is aborted, no request is sent. */
export function syncClient(
  url: string,
  tokenFor: (deviceId: string) => string | Promise<string>,
  { parsePage = JSON.parse, signal }: { parsePage?: (text: string) => unknown; signal?: AbortSignal } = {},
) {
  // Identity by default, like the baselines' JSON.stringify; `compressed` asks for what the PWA
  // gets (br/gzip from @fastify/compress), whose cost is measured separately.
  // A push refused by the server's push gate is sent again after Retry-After, as the sync client
  // does (with its jitter); the wait counts in the measured latency.
  const post = async <T>(path: string, body: { deviceId: string } & Record<string, unknown>, compressed = false, parse: (text: string) => unknown = JSON.parse): Promise<T> => {
    const json = JSON.stringify(body);
    const headers = {
      "content-type": "application/json",
      authorization: `Bearer ${await tokenFor(body.deviceId)}`,
      "accept-encoding": compressed ? "br, gzip" : "identity",
    };
    const { answer } = await sendUntilAccepted(() => fetch(`${url}${path}`, { method: "POST", headers, body: json, ...(signal && { signal }) }));
    if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return parse(answer.text) as T;
  };
  return {
    // As the sync client pushes: its own results only (`pull: false`), others' changes by delta.
    push: (deviceId: string, changes: SyncChangeInput[], syncToken?: string | null, async?: boolean) =>
      post<PushResponse>("/api/sync", { deviceId, changes, pull: false, ...(syncToken && { syncToken }), ...(async && { async }) }),
    /** `reach`: the end of the range an event told the device to pull (the server may share the page). */
    delta: (deviceId: string, pageToken: string | null, pageSize = 1000, compressed = false, reach?: string) =>
      post<DeltaResponse>("/api/sync/delta", { deviceId, pageSize, ...(pageToken && { pageToken }), ...(reach && { reach }) }, compressed, parsePage),
  };
}
