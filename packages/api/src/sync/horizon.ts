import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { EntityType } from "@fieldsync/schema";
import { comparePositions } from "@fieldsync/sync-core";
import type { Cursor } from "./cursor.ts";
import type { AuthUser } from "../context.ts";
import { type PullPlan, planFrom } from "./pull-plan.ts";
import { type DeviceSyncState, type HorizonColumns, type LogHorizon, type SessionSyncState, horizonOf } from "./sync-state.ts";

/** The organization's horizon; null while none of its log was dropped. One primary-key read. */
export async function readHorizon(db: Db, orgId: string): Promise<LogHorizon | null> {
  const [row] = await sqlPoolOf(db).query<HorizonColumns>(
    `SELECT "txid"::text AS "horizonTxid", "seq"::text AS "horizonSeq", "before" AS "horizonBefore" FROM "SyncLogHorizon" WHERE "orgId" = $1`,
    [orgId],
  );
  return horizonOf(row);
}

/**
 * The device's row (null before its first sync) and its organization's horizon, in one statement
 * on the push pool (two primary-key reads; one round trip per pull instead of two).
 */
async function readDeviceAndHorizon(db: Db, orgId: string, deviceId: string): Promise<{ device: DeviceSyncState | null; horizon: LogHorizon | null }> {
  // One row always: (SELECT 1) keeps it when neither exists.
  const [row] = await sqlPoolOf(db).query<{ [K in keyof DeviceSyncState]: DeviceSyncState[K] | null } & HorizonColumns>(
    `SELECT c."id", c."userId", c."isActive", c."deviceName", c."subscription", c."resyncRequired", c."rescopeRequired",
       h."txid"::text AS "horizonTxid", h."seq"::text AS "horizonSeq", h."before" AS "horizonBefore"
     FROM (SELECT 1) one
     LEFT JOIN "SyncClient" c ON c."orgId" = $1 AND c."deviceId" = $2
     LEFT JOIN "SyncLogHorizon" h ON h."orgId" = $1`,
    [orgId, deviceId],
  );
  const { horizonTxid, horizonSeq, horizonBefore, ...device } = row!;
  return { device: device.id === null ? null : (device as DeviceSyncState), horizon: horizonOf({ horizonTxid, horizonSeq, horizonBefore }) };
}

/**
 * Whether a pull from `cursor` would miss dropped rows: its log position lies before the horizon
 * (a position at or after it has every later row still in the log). A time-filtered cursor
 * (`after`, legacy lastSyncTimestamp) is also whole when its instant is not before `before`.
 * A snapshot continues in the log from its fence, so the fence is what counts.
 */
export function predatesHorizon(cursor: Cursor, horizon: LogHorizon | null): boolean {
  if (!horizon) return false;
  const position = cursor.mode === "snapshot" ? { txid: BigInt(cursor.fence), seq: -1n } : { txid: BigInt(cursor.txid), seq: BigInt(cursor.seq) };
  if (comparePositions(position, horizon) >= 0) return false;
  return cursor.mode === "snapshot" || cursor.after === null || new Date(cursor.after) < horizon.before;
}

/**
 * The plan for a device whose cursor predates the horizon: start over from a snapshot, answered
 * `resetRequired` (the device drops its server copies and keeps its outbox). Without a cursor, a
 * legacy `lastSyncTimestamp` before the horizon resets the same way.
 */
export function withinHorizon(plan: PullPlan, horizon: LogHorizon | null, lastSyncTimestamp?: string): PullPlan {
  const stale = plan.cursor
    ? predatesHorizon(plan.cursor, horizon)
    : horizon !== null && lastSyncTimestamp !== undefined && new Date(lastSyncTimestamp) < horizon.before;
  return stale ? { ...plan, cursor: null, lsn: undefined, resetRequired: true } : plan;
}

/**
 * The device's current row (null before its first sync) and its plan, reset when its cursor (or
 * lastSyncTimestamp) predates the log's horizon.
 */
export async function planPull(db: Db, cursorSecret: string, user: AuthUser, deviceId: string, token: string | null | undefined, requested?: EntityType[], lastSyncTimestamp?: string) {
  return planPullFrom(await readDeviceAndHorizon(db, user.orgId, deviceId), cursorSecret, user, token, requested, lastSyncTimestamp);
}

/** planPull from the device row and horizon already read (with the session, SessionSyncState). */
export function planPullFrom(
  state: { device: DeviceSyncState | null; horizon: LogHorizon | null },
  cursorSecret: string,
  user: AuthUser,
  token: string | null | undefined,
  requested?: EntityType[],
  lastSyncTimestamp?: string,
) {
  return { known: state.device, plan: withinHorizon(planFrom(state.device, cursorSecret, user, token, requested), state.horizon, lastSyncTimestamp) };
}
