import { Redis } from "ioredis";

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
