import type { Db } from "@fieldsync/db";
import type { Redis } from "ioredis";

/** Redis channel carrying "organization X has new changes" between server and worker processes. */
export const changesChannel = "fieldsync:changes";

/** A nudge: no entity data, only which organization changed and up to where. */
export interface ChangeNudge {
  orgId: string;
  /** The organization's newest change-log position at publish time (monotonic, opaque). */
  position: string;
  at: string;
}

export interface ChangeNotifier {
  /** Announces committed changes of the organization. Never throws: nudges are best effort. */
  publish(orgId: string): Promise<void>;
}

export async function nudgeFor(db: Db, orgId: string): Promise<ChangeNudge> {
  const [row] = await db.$queryRaw<{ position: string | null }[]>`SELECT max("seq")::text AS position FROM "ChangeLog" WHERE "orgId" = ${orgId}`;
  return { orgId, position: row?.position ?? "0", at: new Date().toISOString() };
}

/**
 * Publishes nudges on Redis for every process's subscribers; while Redis is unreachable, hands
 * them to `fallback` (the local process's subscribers) so same-process clients still hear them.
 */
export function createRedisNotifier(db: Db, redis: Redis, fallback?: (nudge: ChangeNudge) => void): ChangeNotifier {
  return {
    async publish(orgId) {
      try {
        const nudge = await nudgeFor(db, orgId);
        if (redis.status === "ready") await redis.publish(changesChannel, JSON.stringify(nudge));
        else fallback?.(nudge);
      } catch {
        // Devices fall back to their polling interval; a lost nudge costs latency, never data.
      }
    },
  };
}
