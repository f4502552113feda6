import type { Redis } from "ioredis";

/**
 * Short-lived cache of expensive read responses (status and health evaluations) in Redis, keyed
 * per organization so POST /api/sync/cache/invalidate can drop an organization's entries. Every
 * method degrades to "no cache" when Redis is unreachable. Keys are given relative (`cacheKey`);
 * the cache stores them under the deployment's prefix.
 */
export interface ResponseCache {
  get<T>(key: string): Promise<T | null>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Removes the organization's keys; returns how many. */
  invalidateOrg(orgId: string): Promise<number>;
}

/** An organization's cache entry, relative to the deployment's prefix. */
export const cacheKey = (orgId: string, ...parts: string[]) => [orgId, ...parts].join(":");

/** `prefix`: the deployment's Redis prefix; entries live under `<prefix>:cache:`. */
export function createResponseCache(redis: Redis, prefix: string): ResponseCache {
  const up = () => redis.status === "ready";
  const stored = (key: string) => `${prefix}:cache:${key}`;
  return {
    async get(key) {
      if (!up()) return null;
      const value = await redis.get(stored(key)).catch(() => null);
      return value ? JSON.parse(value) : null;
    },
    async set(key, value, ttlSeconds) {
      if (up()) await redis.set(stored(key), JSON.stringify(value), "EX", ttlSeconds).catch(() => undefined);
    },
    async invalidateOrg(orgId) {
      if (!up()) return 0;
      let removed = 0;
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${stored(cacheKey(orgId))}:*`, "COUNT", 500);
        if (keys.length) removed += await redis.del(...keys);
        cursor = next;
      } while (cursor !== "0");
      return removed;
    },
  };
}
