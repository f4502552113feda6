import {
  type BackgroundQueue,
  type ChangeNotifier,
  type ResponseCache,
  type RetryPolicy,
  createBackgroundQueue,
  createRedisNotifier,
  createResponseCache,
} from "@fieldsync/api";
import type { Db } from "@fieldsync/db";
import { Redis } from "ioredis";
import type { SyncRateLimitOptions } from "./plugins/sync-rate-limit.ts";
import { NudgeHub } from "./nudge-hub.ts";

/**
 * The server's Redis connections. Commands fail fast while Redis is down instead of queueing in
 * memory: the server keeps accepting pushes without it and the worker's relay enqueues them later.
 * A `subscriber` connection does queue its SUBSCRIBE until connected, and ioredis re-subscribes it
 * after every reconnect. Both keep reconnecting in the background.
 */
export function connectRedis(url: string, options: { subscriber?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.subscriber ? null : 1,
    enableOfflineQueue: options.subscriber === true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  redis.on("error", () => undefined);
  return redis;
}

const connected = (redis: Redis) =>
  redis.status === "ready" ? Promise.resolve() : new Promise<void>((resolve) => redis.once("ready", () => resolve()));

export interface RedisSettings {
  url: string;
  /** The deployment's prefix (REDIS_PREFIX): every key and channel this server uses starts with it. */
  prefix: string;
  retry: RetryPolicy;
  /** False in embedded mode: no worker can reach the database, so pushes are never queued. */
  queue: boolean;
  rateLimit: Pick<SyncRateLimitOptions, "max" | "timeWindowMs">;
  log?: (message: string) => void;
  /** What the hub sizes fleets' catch-up windows by (NudgeHub); none: the default spread. */
  catchUpBytesPerSecond?: number;
}

export interface RedisServices {
  queue: BackgroundQueue | null;
  cache: ResponseCache;
  notifier: ChangeNotifier;
  /** Fed by the subscriber connection once `ready` resolves. */
  hub: NudgeHub;
  syncRateLimit: SyncRateLimitOptions;
  /** Resolves once commands can be sent and the hub is subscribed to the deployment's channels. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Everything the server keeps in Redis, wired to one deployment prefix. */
export function connectRedisServices(db: Db, settings: RedisSettings): RedisServices {
  const redis = connectRedis(settings.url);
  const subscriber = connectRedis(settings.url, { subscriber: true });
  const queue = settings.queue ? createBackgroundQueue(redis, settings.retry, { prefix: settings.prefix, log: settings.log }) : null;
  const hub = new NudgeHub({ catchUpBytesPerSecond: settings.catchUpBytesPerSecond });
  return {
    queue,
    cache: createResponseCache(redis, settings.prefix),
    notifier: createRedisNotifier(db, redis, settings.prefix, { nudge: hub.deliver, revoked: hub.revoke }),
    hub,
    // Without a queue (embedded mode) Redis is optional: its absence is expected.
    syncRateLimit: { redis, keyPrefix: `${settings.prefix}:rate:`, ...settings.rateLimit, fallbackExpected: !settings.queue },
    ready: Promise.all([hub.listen(subscriber, settings.prefix), connected(redis)]).then(() => undefined),
    close: async () => {
      await queue?.queue.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
