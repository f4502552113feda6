import type { EntityRef, EntityType, Subscription } from "@fieldsync/schema";

// What a pull reads, as types only: where it resumes (sync/cursor.ts seals it into tokens), what
// it asks for and what it gets (sync/pull.ts reads it). Here, below context.ts, so the Deps it
// declares can name them without an import running up into sync/.

/**
 * Where a pull resumes. Log positions are (txid, seq) of ChangeLog, handed out only below the
 * oldest running transaction, so the order is final when read. A snapshot cursor walks the
 * current entities (initial sync) and then continues in the log from the snapshot's fence.
 */
export type Cursor =
  | { mode: "log"; txid: string; seq: string; after: string | null }
  | { mode: "snapshot"; fence: string; typeIndex: number; lastId: string; sent: number; total: number };

export interface PullInput {
  orgId: string;
  types: readonly EntityType[];
  /** Null: start an initial sync (snapshot), or from `after` when given. */
  cursor: Cursor | null;
  /** lastSyncTimestamp of clients without a token: log entries written after this instant. */
  after?: string;
  limit: number;
  /**
   * Leave out changes this device made itself (it has them already), except deletes it did not
   * ask for: deleting an asset cascades to its tasks and schedules in the same transaction, under
   * the device's name, and the device knows nothing of those tombstones unless they travel to it.
   */
  excludeClientId?: string;
  /** The device's subscription; null or absent: everything of `types`. */
  subscription?: Subscription | null;
}

/** A page whose `changes` PostgreSQL rendered: a JSON array of ServerChange, as text. */
export interface RenderedPage {
  changes: string;
  cursor: Cursor;
  hasMore: boolean;
  progress: { sent: number; total: number } | null;
  /** Entities that left the subscription in this page of the log. */
  evict: EntityRef[];
}
