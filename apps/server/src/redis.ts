import { Redis } from "ioredis";

/**
 * The server's Redis connection (job producer, response cache). Commands fail fast while Redis is
 * down instead of queueing in memory: the server keeps accepting pushes without it and the worker's
 * relay enqueues them later. ioredis keeps reconnecting in the background.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  redis.on("error", () => undefined);
  return redis;
}
