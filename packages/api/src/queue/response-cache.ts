import type { Redis } from "ioredis";

/**
 * Short-lived cache of expensive read responses (status and health evaluations) in Redis, keyed
 * per organization so POST /api/sync/cache/invalidate can drop an organization's entries. Every
 * method degrades to "no cache" when Redis is unreachable.
 */
export interface ResponseCache {
  get<T>(key: string): Promise<T | null>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Removes the organization's keys; returns how many. */
  invalidateOrg(orgId: string): Promise<number>;
}

const prefix = "fieldsync:cache";
export const cacheKey = (orgId: string, ...parts: string[]) => [prefix, orgId, ...parts].join(":");

export function createResponseCache(redis: Redis): ResponseCache {
  const up = () => redis.status === "ready";
  return {
    async get(key) {
      if (!up()) return null;
      const value = await redis.get(key).catch(() => null);
      return value ? JSON.parse(value) : null;
    },
    async set(key, value, ttlSeconds) {
      if (up()) await redis.set(key, JSON.stringify(value), "EX", ttlSeconds).catch(() => undefined);
    },
    async invalidateOrg(orgId) {
      if (!up()) return 0;
      let removed = 0;
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${cacheKey(orgId)}:*`, "COUNT", 500);
        if (keys.length) removed += await redis.del(...keys);
        cursor = next;
      } while (cursor !== "0");
      return removed;
    },
  };
}
