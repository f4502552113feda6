import { createRequire } from "node:module";
import type { FastifyRateLimitStore } from "@fastify/rate-limit";
import { type ApiConfig, appError, restRoutes, verifyAccessToken } from "@fieldsync/api";
import { limits } from "@fieldsync/schema";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { refuseTrpc, trpcCalls } from "./trpc-calls.ts";

// Rate limits on the sync endpoints (REST and tRPC), counted per call and per user *and* device so
// one noisy device uses up only its own budget; a per-user ceiling (several devices' worth) stops a
// client from escaping by inventing device ids. Counters live in Redis so all server instances share
// them; while Redis is unreachable each instance counts in memory instead (and logs it), so an
// outage degrades the limit, never the service. @fastify/rate-limit's stores are used directly,
// not its per-request hooks: one /trpc request may carry several calls, each with its own device.

export interface SyncRateLimitOptions {
  /** A connection with `enableOfflineQueue: false`, so commands fail fast while Redis is down. */
  redis: Redis;
  /** Key prefix in Redis: separates deployments, and test files from each other. */
  keyPrefix: string;
  /** Sync calls per user and device in each window; the per-user ceiling is `userFactor` times this. */
  max: number;
  timeWindowMs: number;
  userFactor?: number;
  /** Embedded mode needs no Redis: counting in memory without it is expected, not a warning. */
  fallbackExpected?: boolean;
}

type StoreCallback = Parameters<FastifyRateLimitStore["incr"]>[1];
interface StoreCtor {
  new (continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]): FastifyRateLimitStore;
}
const require = createRequire(import.meta.url);
const RedisStore = require("@fastify/rate-limit/store/RedisStore.js") as StoreCtor;
const LocalStore = require("@fastify/rate-limit/store/LocalStore.js") as StoreCtor;

/** The plugin's Redis store while Redis is ready; its in-memory store otherwise. */
function fallbackStore(redis: Redis, keyPrefix: string, onFallback: (error?: unknown) => void) {
  const redisStore = new RedisStore(false, false, redis, keyPrefix);
  const localStore = new LocalStore(false, false, 10_000);
  return {
    incr(key: string, callback: StoreCallback, timeWindow: number, max: number) {
      if (redis.status !== "ready") {
        onFallback();
        return localStore.incr(key, callback, timeWindow, max);
      }
      redisStore.incr(key, (error, result) => {
        if (!error) return callback(null, result);
        onFallback(error);
        localStore.incr(key, callback, timeWindow, max);
      }, timeWindow, max);
    },
  };
}

const syncProcedures = new Set(["sync.push", "sync.delta", "verify.digests", "verify.buckets", "verify.entities"]);
/** Their REST routes, from the one route table. */
const syncRoutes = new Set(restRoutes.filter((route) => syncProcedures.has(route.procedure)).map((route) => route.url));

/** The deviceId a sync call names ("-" when it names none; validation refuses it later). */
function deviceIdOf(input: unknown): string {
  const deviceId = (input as { deviceId?: unknown } | null | undefined)?.deviceId;
  return typeof deviceId === "string" ? deviceId.slice(0, limits.maxDeviceIdLength) : "-";
}

/**
 * The devices of the sync calls a request makes, one entry per call: a REST push or pull is one
 * call; a /trpc request makes one per sync procedure it names, so a batch costs what its calls
 * would cost sent one by one.
 */
function syncCallDevices(request: FastifyRequest): string[] {
  const calls = trpcCalls(request);
  if (calls) return calls.filter((call) => syncProcedures.has(call.path)).map((call) => deviceIdOf(call.input));
  const route = request.routeOptions.url;
  return route !== undefined && syncRoutes.has(route) ? [deviceIdOf(request.body)] : [];
}

/** Adds the sync rate limit to `app`; call before routes are registered. */
export function registerSyncRateLimit(app: FastifyInstance, config: ApiConfig, options: SyncRateLimitOptions) {
  const { redis } = options;
  let degraded = false;
  const onFallback = (error?: unknown) => {
    if (degraded) return;
    degraded = true;
    app.log[options.fallbackExpected ? "info" : "warn"]({ err: error }, "Redis unreachable: sync rate limits are counted in memory on this instance");
  };
  redis.on("error", (error) => onFallback(error));
  redis.on("ready", () => {
    if (degraded) app.log.info("Redis reachable again: sync rate limits are shared");
    degraded = false;
  });
  const store = fallbackStore(redis, options.keyPrefix, onFallback);
  /** Counts one call against `key`; the seconds until its window ends when that exceeds `max`. */
  const hit = (key: string, max: number) =>
    new Promise<number | null>((resolve, reject) =>
      store.incr(
        key,
        (error, result) => (error || !result ? reject(error) : resolve(result.current > max ? Math.max(1, Math.ceil(result.ttl / 1000)) : null)),
        options.timeWindowMs,
        max,
      ),
    );
  const userMax = options.max * (options.userFactor ?? 5);

  // preHandler: the body is parsed by then (REST) or at least read (tRPC).
  app.addHook("preHandler", async (request, reply) => {
    const devices = syncCallDevices(request);
    if (!devices.length) return;
    // The token's subject if it verifies, else the address (such requests are refused with 401
    // anyway, but still counted).
    const auth = request.headers.authorization;
    const claims = auth?.startsWith("Bearer ") ? await verifyAccessToken(config, auth.slice(7)) : null;
    const user = claims ? `u:${claims.sub}` : `ip:${request.ip}`;
    const waits = await Promise.all(devices.flatMap((device) => [hit(`${user}:d:${device}`, options.max), hit(user, userMax)]));
    const retryAfter = Math.max(...waits.map((wait) => wait ?? 0));
    if (!retryAfter) return;
    const error = appError("RATE_LIMITED", "Too many sync requests; retry later", undefined, retryAfter);
    const calls = trpcCalls(request);
    if (!calls) throw error;
    return refuseTrpc(request, reply.header("retry-after", String(retryAfter)), calls, error);
  });
}
