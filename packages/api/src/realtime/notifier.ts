import { type Db, sqlPoolOf } from "@fieldsync/db";
import { type ServerChange, type SyncEvent, liveChangeLimits } from "@fieldsync/schema";
import type { ScopeReferences } from "@fieldsync/sync-core";
import type { Redis } from "ioredis";
import type { ChangeNotifier, LiveChanges } from "../context.ts";
import { type LogRange, laterPosition, readRange, readScopeReferences } from "./range.ts";

/** The deployment's pub/sub channels, under its Redis prefix (server and worker must agree on it). */
export const redisChannels = (prefix: string) => ({
  /** "Organization X has new changes", between server and worker processes. */
  changes: `${prefix}:changes`,
  /** "Device D of organization X was revoked": every server closes its streams. */
  revocations: `${prefix}:device-revoked`,
});

/** A revoked device, as it travels between processes. */
export interface DeviceRevocation {
  orgId: string;
  deviceId: string;
}

/**
 * A nudge as it travels between processes: the event devices get, plus which device wrote the
 * changes it carries (its SyncClient id), so that device is not sent its own changes back.
 */
export interface ChangeNudge extends Omit<SyncEvent, "range"> {
  /** The event's range as read (readRange); frames add what each scope gets of it. */
  range?: LogRange;
  originClientId?: string;
  /** Where the entities its reference-scoped changes point to sit, for devices with a location subscription. */
  references?: ScopeReferences;
}


/** Small pushes travel with their data; larger ones as a plain nudge (devices pull). */
const withinLimits = (live: LiveChanges) =>
  live.changes.length > 0 &&
  live.changes.length <= liveChangeLimits.maxChanges &&
  Buffer.byteLength(JSON.stringify(live.changes)) <= liveChangeLimits.maxBytes;

/** Where each organization's last event of this process ended: the next one's range starts there. */
export type RangeEnds = Map<string, string>;

const sameChange = (a: ServerChange, b: ServerChange) => a.entityType === b.entityType && a.entityId === b.entityId && a.clientVersion === b.clientVersion;

/**
 * The event for the organization's latest commits: the fenced range of its log since this
 * process's previous event (readRange), with its changes when they fit, and the pushed changes as
 * a preview when the range does not hold them all yet (an older transaction still runs).
 */
export async function nudgeFor(db: Db, orgId: string, live?: LiveChanges, ends: RangeEnds = new Map()): Promise<ChangeNudge> {
  // The newest transaction id in the organization's log: monotonic, and one index probe.
  const [row] = await sqlPoolOf(db).query<{ position: string }>(
    `SELECT "txid"::text AS position FROM "ChangeLog" WHERE "orgId" = $1 ORDER BY "txid" DESC, "seq" DESC LIMIT 1`,
    [orgId],
  );
  const range = await readRange(db, orgId, ends.get(orgId) ?? null);
  if (range) ends.set(orgId, laterPosition(ends.get(orgId), range.to));
  const nudge: ChangeNudge = { orgId, position: row?.position ?? "0", at: new Date().toISOString(), ...(range && { range }) };
  const covered = live && range?.changes && live.changes.every((change) => range.changes!.some((held) => sameChange(held, change)));
  const event = live && withinLimits(live) && !covered ? { ...nudge, changes: live.changes, originClientId: live.originClientId } : nudge;
  const references = await readScopeReferences(db, orgId, [...(event.range?.changes ?? []), ...(event.changes ?? [])]);
  return references ? { ...event, references } : event;
}

/**
 * Publishes nudges on Redis for every process's subscribers; while Redis is unreachable, hands
 * them to `fallback` (the local process's subscribers) so same-process clients still hear them.
 */
export function createRedisNotifier(
  db: Db,
  redis: Redis,
  prefix: string,
  fallback?: { nudge(nudge: ChangeNudge): void; revoked(revocation: DeviceRevocation): void },
): ChangeNotifier {
  const channels = redisChannels(prefix);
  const ends: RangeEnds = new Map();
  return {
    async deviceRevoked(orgId, deviceId) {
      const revocation: DeviceRevocation = { orgId, deviceId };
      try {
        if (redis.status === "ready") await redis.publish(channels.revocations, JSON.stringify(revocation));
        else fallback?.revoked(revocation);
      } catch {
        // Other processes' streams of the device still fail their next ticket or token check.
        fallback?.revoked(revocation);
      }
    },
    async publish(orgId, live) {
      try {
        const nudge = await nudgeFor(db, orgId, live, ends);
        if (redis.status === "ready") await redis.publish(channels.changes, JSON.stringify(nudge));
        else fallback?.nudge(nudge);
      } catch {
        // Devices fall back to their polling interval; a lost nudge costs latency, never data.
      }
    },
  };
}
