// Two deployments on one Redis (real Redis, one database): each server's response cache, sync
// rate limits, pub/sub channels and job queue live under its own REDIS_PREFIX, so neither sees
// the other's.
import { randomUUID } from "node:crypto";
import { type Deps, cacheKey, frameScope, seedDemoData } from "@fieldsync/api";
import { type TestDatabase, createTestDatabase } from "@fieldsync/db/testing";
import type { ChangeNudge } from "@fieldsync/api";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildApp } from "./app.ts";
import { apiConfig } from "./config.ts";
import { loadEnv } from "./env.ts";
import { type RedisServices, connectRedisServices } from "./redis.ts";
import { randomSecrets } from "./secrets.ts";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const rateLimit = { max: 2, timeWindowMs: 60_000 };

interface Deployment {
  redis: RedisServices;
  app: FastifyInstance;
  /** Nudges this deployment's hub delivered, by organization. */
  heard: ChangeNudge[];
}

let database: TestDatabase;
let config: Deps["config"];
const deployments: Deployment[] = [];
let northwind: string;
let globex: string;

async function deploy(prefix: string): Promise<Deployment> {
  const redis = connectRedisServices(database.db, { url: redisUrl, prefix, retry: { maxAttempts: 5, backoffMs: 50 }, queue: true, rateLimit, log: () => undefined });
  await redis.ready;
  const { queue, cache, notifier, hub, syncRateLimit } = redis;
  const app = await buildApp({ deps: { db: database.db, config, queue, cache, notifier }, hub, syncRateLimit, logger: false });
  const heard: ChangeNudge[] = [];
  for (const orgId of [northwind, globex]) {
    hub.add({
      orgId,
      userId: "listener",
      deviceId: "listener",
      scope: frameScope(null),
      send: (nudges) => {
        heard.push(...nudges);
        return true;
      },
      skipped: () => undefined,
      close: () => undefined,
    });
  }
  return { redis, app, heard };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoData(database.db);
  config = apiConfig(loadEnv({ NODE_ENV: "test" }), randomSecrets());
  const orgs = await database.db.organization.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } });
  [globex, northwind] = orgs.map((org) => org.id) as [string, string];
  const run = randomUUID();
  deployments.push(await deploy(`test-a-${run}`), await deploy(`test-b-${run}`));
}, 120_000);

afterAll(async () => {
  for (const { redis, app } of deployments) {
    await redis.queue?.queue.obliterate({ force: true }).catch(() => undefined);
    await app.close();
    await redis.close();
  }
  await database.drop();
});

test("a cached response of one deployment is not seen by the other", async () => {
  const [a, b] = deployments as [Deployment, Deployment];
  await a.redis.cache.set(cacheKey(northwind, "health"), { status: "ok", reasons: [] }, 60);
  expect(await a.redis.cache.get(cacheKey(northwind, "health"))).toEqual({ status: "ok", reasons: [] });
  expect(await b.redis.cache.get(cacheKey(northwind, "health"))).toBeNull();
  expect(await b.redis.cache.invalidateOrg(northwind)).toBe(0);
  expect(await a.redis.cache.invalidateOrg(northwind)).toBe(1);
});

test("a device that used up its sync rate limit on one deployment is still served by the other", async () => {
  const [a, b] = deployments as [Deployment, Deployment];
  const deviceId = `prefix-phone-${randomUUID()}`;
  const login = await a.app.inject({ method: "POST", url: "/api/auth/login", payload: { email: "tech1@northwind.test", password: "fieldsync-demo", deviceId } });
  expect(login.statusCode).toBe(200);
  const headers = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
  const pull = (app: FastifyInstance) => app.inject({ method: "POST", url: "/api/sync/delta", headers, payload: { deviceId } });
  for (let i = 0; i < rateLimit.max; i++) expect((await pull(a.app)).statusCode).toBe(200);
  expect((await pull(a.app)).statusCode).toBe(429);
  expect((await pull(b.app)).statusCode).toBe(200);
});

test("nudges published by one deployment reach only its own subscribers", async () => {
  const [a, b] = deployments as [Deployment, Deployment];
  // Alternating publishes: each hub hears its own deployment's second nudge only after anything
  // the other published before it, so waiting for it leaves no crossed nudge still in flight.
  await a.redis.notifier.publish(northwind);
  await b.redis.notifier.publish(globex);
  await a.redis.notifier.publish(northwind);
  await b.redis.notifier.publish(globex);
  await until(() => a.heard.length >= 2 && b.heard.length >= 2);
  expect(a.heard.map((nudge) => nudge.orgId)).toEqual([northwind, northwind]);
  expect(b.heard.map((nudge) => nudge.orgId)).toEqual([globex, globex]);
});

test("jobs enqueued by one deployment wait in its own queue only", async () => {
  const [a, b] = deployments as [Deployment, Deployment];
  const waiting = async (d: Deployment) => {
    const counts = (await d.redis.queue!.jobCounts())!;
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  };
  expect(await a.redis.queue!.enqueue([randomUUID(), randomUUID()], 1)).toBe(true);
  expect(await waiting(a)).toBe(2);
  expect(await waiting(b)).toBe(0);
});
