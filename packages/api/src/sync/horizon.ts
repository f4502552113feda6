import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { EntityType } from "@fieldsync/schema";
import { comparePositions } from "@fieldsync/sync-core";
import type { Cursor } from "./cursor.ts";
import type { AuthUser } from "../context.ts";
import { type PullPlan, planFrom, readDevice } from "./pull-plan.ts";

/**
 * Where an organization's change log starts once weeks of it were dropped (SyncLogHorizon, written
 * by retention/log-partitions.ts before a week is detached): `position` is the last (txid, seq)
 * among its dropped rows, `before` the instant before which its rows are gone.
 */
export interface LogHorizon {
  txid: bigint;
  seq: bigint;
  before: Date;
}

/** The organization's horizon; null while none of its log was dropped. One primary-key read. */
export async function readHorizon(db: Db, orgId: string): Promise<LogHorizon | null> {
  const [row] = await sqlPoolOf(db).query<{ txid: string; seq: string; before: Date }>(
    `SELECT "txid"::text, "seq"::text, "before" FROM "SyncLogHorizon" WHERE "orgId" = $1`,
    [orgId],
  );
  return row ? { txid: BigInt(row.txid), seq: BigInt(row.seq), before: row.before } : null;
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
  const [known, horizon] = await Promise.all([readDevice(db, user.orgId, deviceId), readHorizon(db, user.orgId)]);
  return { known, plan: withinHorizon(planFrom(known, cursorSecret, user, token, requested), horizon, lastSyncTimestamp) };
}
