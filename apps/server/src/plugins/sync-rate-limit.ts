import { createRequire } from "node:module";
import rateLimit, { type FastifyRateLimitStore } from "@fastify/rate-limit";
import { type ApiConfig, appError, appRouter, verifyAccessToken } from "@fieldsync/api";
import { type TRPCError, getErrorShape } from "@trpc/server";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";

// Rate limits on the sync endpoints (REST and tRPC), counted per user *and* device so one noisy
// device uses up only its own budget; a per-user ceiling (several devices' worth) stops a client
// from escaping by inventing device ids. Counters live in Redis so all server instances share
// them; while Redis is unreachable each instance counts in memory instead (and logs it), so an
// outage degrades the limit, never the service.

export interface SyncRateLimitOptions {
  /** A connection with `enableOfflineQueue: false`, so commands fail fast while Redis is down. */
  redis: Redis;
  /** Key prefix in Redis: separates deployments, and test files from each other. */
  keyPrefix: string;
  /** Sync requests per user and device in each window; the per-user ceiling is `userFactor` times this. */
  max: number;
  timeWindowMs: number;
  userFactor?: number;
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
  return class FallbackStore implements FastifyRateLimitStore {
    private readonly redisStore = new RedisStore(false, false, redis, keyPrefix);
    private readonly localStore = new LocalStore(false, false, 10_000);

    incr(key: string, callback: StoreCallback, timeWindow: number, max: number) {
      if (redis.status !== "ready") {
        onFallback();
        return this.localStore.incr(key, callback, timeWindow, max);
      }
      this.redisStore.incr(key, (error, result) => {
        if (!error) return callback(null, result);
        onFallback(error);
        this.localStore.incr(key, callback, timeWindow, max);
      }, timeWindow, max);
    }

    child() {
      return this;
    }
  };
}

const syncProcedures = new Set(["sync.push", "sync.delta"]);

/** The tRPC procedure paths of a /trpc request (batched: `sync.push,sync.delta`); null for REST. */
function trpcPaths(request: FastifyRequest): string[] | null {
  if (!request.routeOptions.url?.startsWith("/trpc")) return null;
  return (request.params as { path?: string } | undefined)?.path?.split(",") ?? [];
}

/** The sync calls a request makes: REST routes, or tRPC procedures. */
function isSyncRequest(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === "/api/sync" || route === "/api/sync/delta") return true;
  return trpcPaths(request)?.some((p) => syncProcedures.has(p)) ?? false;
}

/**
 * Refuses a /trpc request in tRPC's own envelope (one `{error}` per call when batched), so tRPC
 * clients read it like any procedure error; REST gets the plain ErrorBody from the error handler.
 */
function refuseTrpc(request: FastifyRequest, reply: FastifyReply, paths: string[], error: TRPCError, retryAfter: number) {
  const config = appRouter._def._config;
  const answers = paths.map((path) => ({ error: getErrorShape({ config, error, type: "mutation", path, input: undefined, ctx: undefined }) }));
  const batched = (request.query as { batch?: string } | undefined)?.batch === "1";
  return reply.code(429).header("retry-after", String(retryAfter)).send(batched ? answers : answers[0]);
}

/** The deviceId of the body. tRPC hands its bodies over unparsed (`{"0": input}` when batched). */
function deviceIdOf(body: unknown): string {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return "-";
    }
  }
  const record = (value ?? {}) as Record<string, unknown>;
  const input = (typeof record.deviceId === "string" ? record : record["0"]) as Record<string, unknown> | undefined;
  return typeof input?.deviceId === "string" ? input.deviceId.slice(0, 128) : "-";
}

/** Adds the sync rate limit to `app`; call before routes are registered. */
export async function registerSyncRateLimit(app: FastifyInstance, config: ApiConfig, options: SyncRateLimitOptions) {
  const { redis } = options;
  let degraded = false;
  const onFallback = (error?: unknown) => {
    if (degraded) return;
    degraded = true;
    app.log.warn({ err: error }, "Redis unreachable: sync rate limits are counted in memory on this instance");
  };
  redis.on("error", (error) => onFallback(error));
  redis.on("ready", () => {
    if (degraded) app.log.info("Redis reachable again: sync rate limits are shared");
    degraded = false;
  });
  await app.register(rateLimit, { global: false, store: fallbackStore(redis, options.keyPrefix, onFallback) });

  // Identity for the keys: the token's subject if it verifies, else the address (such requests
  // are refused with 401 anyway, but still counted).
  const identity = new WeakMap<FastifyRequest, { user: string; device: string }>();
  const identify = async (request: FastifyRequest) => {
    const known = identity.get(request);
    if (known) return known;
    const auth = request.headers.authorization;
    const claims = auth?.startsWith("Bearer ") ? await verifyAccessToken(config, auth.slice(7)) : null;
    const id = { user: claims ? `u:${claims.sub}` : `ip:${request.ip}`, device: deviceIdOf(request.body) };
    identity.set(request, id);
    return id;
  };
  const perDevice = app.createRateLimit({
    max: options.max,
    timeWindow: options.timeWindowMs,
    keyGenerator: async (request) => {
      const id = await identify(request);
      return `${id.user}:d:${id.device}`;
    },
  });
  const perUser = app.createRateLimit({
    max: options.max * (options.userFactor ?? 5),
    timeWindow: options.timeWindowMs,
    keyGenerator: async (request) => (await identify(request)).user,
  });

  // preHandler: the body is parsed by then (REST) or at least read (tRPC).
  app.addHook("preHandler", async (request, reply) => {
    if (!isSyncRequest(request)) return;
    for (const limiter of [perDevice, perUser]) {
      const result = await limiter(request);
      if (!result.isAllowed && result.isExceeded) {
        const retryAfter = Math.max(1, result.ttlInSeconds);
        const error = appError("RATE_LIMITED", "Too many sync requests; retry later", undefined, retryAfter);
        const paths = trpcPaths(request);
        if (!paths) throw error;
        return refuseTrpc(request, reply, paths, error, retryAfter);
      }
    }
  });
}
