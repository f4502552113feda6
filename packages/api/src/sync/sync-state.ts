// The device row and the log horizon a pull plans from, as read by a pull itself (horizon.ts) or
// with the session (session.ts): plain shapes with no imports of the package, so the session
// can return them without depending on the sync folder's planning.

/** What a sync needs to know of its device: its checks (syncingDevice's) and where its pull starts. */
export interface DeviceSyncState {
  id: string;
  userId: string;
  isActive: boolean;
  deviceName: string | null;
  subscription: unknown;
  resyncRequired: boolean;
  rescopeRequired: boolean;
}

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

export interface HorizonColumns {
  horizonTxid: string | null;
  horizonSeq: string | null;
  horizonBefore: Date | null;
}

export const horizonOf = (row: HorizonColumns | undefined): LogHorizon | null =>
  row?.horizonTxid ? { txid: BigInt(row.horizonTxid), seq: BigInt(row.horizonSeq!), before: row.horizonBefore! } : null;

/**
 * The token's device row (null before its first sync) and its organization's log horizon, as read
 * with the session: a pull plans from them (planPullFrom) without a round trip of its own.
 */
export interface SessionSyncState {
  device: DeviceSyncState | null;
  horizon: LogHorizon | null;
}

