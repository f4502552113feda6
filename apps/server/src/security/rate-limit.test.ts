// Sync rate limits against the real Redis (a key prefix of this file's own), and the in-memory
// fallback when Redis cannot be reached.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadEnv } from "../env.ts";
import { create } from "@fieldsync/testing/changes";
import type { UserName } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "../test-kit.ts";
import { tableCounts } from "@fieldsync/testing/attack-kit";

const max = 3;
const keyPrefix = `test-${randomUUID()}:`;
let redis: Redis;
let api: Api;

beforeAll(async () => {
  redis = new Redis(loadEnv().REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await new Promise((resolve, reject) => redis.once("ready", resolve).once("error", reject));
  api = await setupApi({}, { syncRateLimit: { redis, keyPrefix, max, timeWindowMs: 60_000 } });
});
afterAll(async () => {
  await api.close();
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** A push from `deviceId`, with the token of `tokenDevice` (by default that device's own). */
const push = async (user: UserName, deviceId: string, transport: "rest" | "trpc" = "rest", target = api, tokenDevice = deviceId) =>
  target.app.inject({
    method: "POST",
    url: transport === "rest" ? "/api/sync" : "/trpc/sync.push",
    headers: { authorization: `Bearer ${await target.token(user, tokenDevice)}` },
    payload: { deviceId, changes: [create(randomUUID(), { name: "rate" })] },
  });

describe("sync rate limits", () => {
  test("a noisy device gets 429 with Retry-After; the same user's other device and other users are unaffected", async () => {
    for (let i = 0; i < max; i++) expect((await push("tech1", "noisy")).statusCode).toBe(200);
    const before = await tableCounts(api.db);
    const limited = await push("tech1", "noisy");
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ statusCode: 429, code: "RATE_LIMITED", message: expect.any(String) });
    const retryAfter = Number(limited.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const delta = await api.app.inject({ method: "POST", url: "/api/sync/delta", headers: { authorization: `Bearer ${await api.token("tech1", "noisy")}` }, payload: { deviceId: "noisy" } });
    expect(delta.statusCode).toBe(429);
    const trpc = await push("tech1", "noisy", "trpc");
    expect(trpc.statusCode).toBe(429);
    expect(trpc.headers["retry-after"]).toBeDefined();
    // tRPC clients get tRPC's envelope with our ErrorBody in `data`, one per call when batched.
    expect(trpc.json()).toMatchObject({ error: { message: expect.any(String), data: { statusCode: 429, code: "RATE_LIMITED", httpStatus: 429, path: "sync.push" } } });
    const batched = await api.app.inject({
      method: "POST",
      url: "/trpc/sync.push,sync.delta?batch=1",
      headers: { authorization: `Bearer ${await api.token("tech1", "noisy")}` },
      payload: { 0: { deviceId: "noisy", changes: [] }, 1: { deviceId: "noisy" } },
    });
    expect(batched.statusCode).toBe(429);
    expect(batched.json()).toMatchObject([
      { error: { data: { code: "RATE_LIMITED", path: "sync.push" } } },
      { error: { data: { code: "RATE_LIMITED", path: "sync.delta" } } },
    ]);
    expect(await tableCounts(api.db)).toEqual(before);

    expect((await push("tech1", "quiet")).statusCode).toBe(200);
    // Another user naming the noisy device is refused for the device, not counted against it.
    expect((await push("tech2", "noisy", "rest", api, "tech2-phone")).statusCode).toBe(403);
    expect((await push("tech2", "tech2-phone")).statusCode).toBe(200);
    expect((await push("globex", "noisy")).statusCode).toBe(200);
    // Other endpoints are not sync endpoints and stay reachable for the noisy user.
    expect((await api.call("tech1", "GET", "/api/sync/status")).status).toBe(200);
  });

  test("counters live in Redis under the configured prefix (shared by every server instance)", async () => {
    expect((await redis.keys(`${keyPrefix}*`)).length).toBeGreaterThan(0);
  });

  test("inventing device ids does not escape the per-user ceiling", async () => {
    const statuses: number[] = [];
    for (let device = 0; device < 7; device++) {
      for (let i = 0; i < max; i++) statuses.push((await push("admin", `admin-device-${device}`)).statusCode);
    }
    expect(statuses.slice(0, max * 5).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(max * 5).every((s) => s === 429)).toBe(true);
  });

  test("every sync call of a tRPC batch counts: a batch cannot buy more calls than single requests", async () => {
    const batch = async (deviceId: string, calls: number) =>
      api.app.inject({
        method: "POST",
        url: `/trpc/${Array(calls).fill("sync.delta").join(",")}?batch=1`,
        headers: { authorization: `Bearer ${await api.token("globex", deviceId)}` },
        payload: Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, { deviceId }])),
      });
    const full = await batch("globex-batcher", max);
    expect(full.statusCode).toBe(200);
    const next = await api.app.inject({ method: "POST", url: "/api/sync/delta", headers: { authorization: `Bearer ${await api.token("globex", "globex-batcher")}` }, payload: { deviceId: "globex-batcher" } });
    expect(next.statusCode).toBe(429);

    await api.token("globex", "globex-other"); // logged in before the counts: a login writes a refresh token
    const before = await tableCounts(api.db);
    const over = await batch("globex-other", max + 1);
    expect(over.statusCode).toBe(429);
    expect(over.json()).toHaveLength(max + 1);
    expect(over.json()).toMatchObject(Array(max + 1).fill({ error: { data: { code: "RATE_LIMITED", path: "sync.delta" } } }));
    expect(await tableCounts(api.db)).toEqual(before);
  });

  test("unauthenticated floods are counted per address and still answer 401 first", async () => {
    const statuses = [];
    for (let i = 0; i < max + 1; i++) {
      statuses.push((await api.app.inject({ method: "POST", url: "/api/sync", payload: { deviceId: "anon", changes: [] }, remoteAddress: "203.0.113.50" })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

test("with Redis unreachable the server still serves, limits in memory, and logs it", async () => {
  const dead = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  dead.on("error", () => undefined);
  await dead.connect().catch(() => undefined);
  const logs: string[] = [];
  const degraded = await setupApi({}, {
    syncRateLimit: { redis: dead, keyPrefix, max, timeWindowMs: 60_000 },
    logger: { level: "warn", stream: { write: (line: string) => void logs.push(line) } },
  });
  try {
    for (let i = 0; i < max; i++) expect((await push("tech1", "offline-redis", "rest", degraded)).statusCode).toBe(200);
    expect((await push("tech1", "offline-redis", "rest", degraded)).statusCode).toBe(429);
    expect((await push("tech1", "other-device", "rest", degraded)).statusCode).toBe(200);
    expect(logs.join("\n")).toMatch(/Redis unreachable/);
  } finally {
    await degraded.close();
    dead.disconnect();
  }
});
