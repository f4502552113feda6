import { randomBytes, randomUUID } from "node:crypto";
import { demoPassword, seedDemoData } from "@fieldsync/api";
import { createTestDatabase } from "@fieldsync/db/testing";
import type { DeltaResponse, PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { Redis } from "ioredis";
import pg from "pg";
import { type ChildService, startChild } from "./process.ts";

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The server under test: `apps/server/src/main.ts` in a process of its own (production mode, logs
 * at error level), over a fresh database cloned from the migrated template with the demo data, and
 * under a Redis prefix of its own. The benchmark process is the load generator: it sends the
 * devices' HTTP calls and runs the baselines' SQL, so each side pays its client's costs (building
 * and serializing requests, parsing answers) in this process and its server's in another.
 * Pushes up to 1000 changes are applied inline, so B1 measures the inline path and B5 asks for the
 * queued one (`startWorker` runs the real worker process, as deployed).
 */
export async function startBenchServer() {
  const database = await createTestDatabase();
  await seedDemoData(database.db);
  const prefix = `bench-${randomUUID()}`;
  const cursorSecret = randomBytes(32).toString("hex");
  const common = { NODE_ENV: "production", DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
  const children: ChildService[] = [];
  try {
    const server = await startChild(
      "apps/server/src/main.ts",
      {
        ...common,
        JWT_SECRET: randomBytes(32).toString("hex"),
        CURSOR_SECRET: cursorSecret,
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "error",
        WEB_DIST: "/nonexistent",
        SYNC_INLINE_MAX_CHANGES: "1000",
        // One access token serves the whole run (a full run takes longer than the default 15 minutes).
        JWT_TTL_SECONDS: String(6 * 3600),
        // Hundreds of devices of one user (B6: 200 with a stream each), pushing as fast as they can.
        MAX_DEVICES_PER_USER: "100000",
        MAX_STREAMS_PER_USER: "100000",
        MAX_STREAMS_PER_DEVICE: "100",
        SYNC_RATE_LIMIT_MAX: "100000000",
        LOGIN_MAX_ATTEMPTS: "100000",
      },
      /running at (http:\/\/\S+)/,
    );
    children.push(server);
    const url = server.match.replace("localhost", "127.0.0.1");
    const pool = new pg.Pool({ connectionString: database.url, max: 20, options: "-c TimeZone=UTC" });
    const [org] = (await pool.query<{ orgId: string }>(`SELECT "orgId" FROM "User" WHERE email = 'tech1@northwind.test'`)).rows;
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    redis.on("error", () => undefined);
    const tokens = new Map<string, Promise<string>>();
    /** tech1's access token on `deviceId` (tokens are valid for their own device only). */
    const tokenFor = (deviceId: string) => tokens.get(deviceId) ?? tokens.set(deviceId, login(url, deviceId)).get(deviceId)!;

    return {
      url,
      databaseUrl: database.url,
      cursorSecret,
      pool,
      orgId: org!.orgId,
      redis,
      ...syncClient(url, tokenFor),
      /** The real worker process (concurrency 4, as deployed) on this server's queue. */
      startWorker: async () => {
        const worker = await startChild(
          "apps/worker/src/main.ts",
          { ...common, WORKER_CONCURRENCY: "4", ALERT_INTERVAL_MS: String(3600_000) },
          /worker: processing/,
        );
        children.push(worker);
        return worker;
      },
      close: async () => {
        for (const child of children.reverse()) await child.stop();
        await pool.end();
        // Every key of this server and its worker (queue, cache, rate limits) is under its prefix.
        await deleteKeys(redis, `${prefix}:*`);
        redis.disconnect();
        await database.drop();
      },
    };
  } catch (error) {
    for (const child of children) await child.stop();
    await database.drop();
    throw error;
  }
}

export type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

async function deleteKeys(redis: Redis, pattern: string) {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** A password login of tech1 on `deviceId`; its access token. */
export async function login(url: string, deviceId: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "tech1@northwind.test", password: demoPassword, deviceId }),
  });
  if (!response.ok) throw new Error(`login on ${deviceId}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** A device's HTTP calls, as tech1, each with the token of the device it names. */
export function syncClient(url: string, tokenFor: (deviceId: string) => string | Promise<string>) {
  // Identity by default, like the baselines' JSON.stringify; `compressed` asks for what the PWA
  // gets (br/gzip from @fastify/compress), whose cost is measured separately.
  const post = async <T>(path: string, body: { deviceId: string } & Record<string, unknown>, compressed = false): Promise<T> => {
    const json = JSON.stringify(body);
    for (;;) {
      const response = await fetch(`${url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${await tokenFor(body.deviceId)}`,
          "accept-encoding": compressed ? "br, gzip" : "identity",
        },
        body: json,
      });
      const text = await response.text();
      // A push refused by the server's push gate is sent again after Retry-After, as the sync
      // client does (with its jitter); the wait counts in the measured latency.
      const retryAfter = Number(response.headers.get("retry-after"));
      if (response.status === 503 && retryAfter >= 1 && text.includes('"SERVER_BUSY"')) {
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 * (1 + Math.random() / 2)));
        continue;
      }
      if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    }
  };
  return {
    push: (deviceId: string, changes: SyncChangeInput[], syncToken?: string | null, async?: boolean) =>
      post<PushResponse>("/api/sync", { deviceId, changes, ...(syncToken && { syncToken }), ...(async && { async }) }),
    delta: (deviceId: string, pageToken: string | null, pageSize = 1000, compressed = false) =>
      post<DeltaResponse>("/api/sync/delta", { deviceId, pageSize, ...(pageToken && { pageToken }) }, compressed),
  };
}
