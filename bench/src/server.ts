import { randomUUID } from "node:crypto";
import { createBackgroundQueue } from "@fieldsync/api";
import type { DeltaResponse, PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { startTestServer } from "@fieldsync/testing/server";
import { Redis } from "ioredis";
import pg from "pg";

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The real server on a loopback port over its own fresh database (cloned from the migrated
 * template, demo data seeded), with a job queue under its own BullMQ prefix. Pushes up to 1000
 * changes are applied inline, so B1 measures the inline path and B5 asks for the queued one.
 */
export async function startBenchServer() {
  const prefix = `bench-${randomUUID()}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  const queue = createBackgroundQueue(redis, undefined, { prefix, log: () => undefined });
  // Errors are logged: a 500 in a benchmark needs its cause on screen.
  // One access token serves the whole run (a full run takes longer than the default 15 minutes).
  // Benchmarks run hundreds of devices of one user (B6: 200 with a stream each): no device or stream caps.
  const api = await startTestServer({
    inlineMaxChanges: 1000,
    redisUrl,
    queuePrefix: prefix,
    maxDevicesPerUser: 100_000,
    env: { LOG_LEVEL: "error", JWT_TTL_SECONDS: String(6 * 3600), MAX_STREAMS_PER_USER: "100000", MAX_STREAMS_PER_DEVICE: "100" },
  });
  const url = api.url;
  const pool = new pg.Pool({ connectionString: api.databaseUrl, max: 20, options: "-c TimeZone=UTC" });
  const [org] = (await pool.query<{ orgId: string }>(`SELECT "orgId" FROM "User" WHERE email = 'tech1@northwind.test'`)).rows;
  /** tech1's access token on `deviceId` (tokens are valid for their own device only). */
  const tokenFor = (deviceId: string) => api.token("tech1", deviceId);

  return {
    api,
    url,
    pool,
    orgId: org!.orgId,
    prefix,
    redis,
    queue,
    ...syncClient(url, tokenFor),
    close: async () => {
      await pool.end();
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.queue.close();
      redis.disconnect();
      await api.stop();
    },
  };
}

export type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

/** A device's HTTP calls, as tech1, each with the token of the device it names. */
export function syncClient(url: string, tokenFor: (deviceId: string) => string | Promise<string>) {
  // Identity by default, like the baselines' JSON.stringify; `compressed` asks for what the PWA
  // gets (br/gzip from @fastify/compress), whose cost is measured separately.
  const post = async <T>(path: string, body: { deviceId: string } & Record<string, unknown>, compressed = false): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await tokenFor(body.deviceId)}`,
        "accept-encoding": compressed ? "br, gzip" : "identity",
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  return {
    push: (deviceId: string, changes: SyncChangeInput[], syncToken?: string | null, async?: boolean) =>
      post<PushResponse>("/api/sync", { deviceId, changes, ...(syncToken && { syncToken }), ...(async && { async }) }),
    delta: (deviceId: string, pageToken: string | null, pageSize = 1000, compressed = false) =>
      post<DeltaResponse>("/api/sync/delta", { deviceId, pageSize, ...(pageToken && { pageToken }) }, compressed),
  };
}
