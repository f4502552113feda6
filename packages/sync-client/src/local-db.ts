import { Dexie, type DexieOptions, type EntityTable, type Table, type Transaction } from "dexie";
import type { Conflict, EntityData, EntityType, SyncOperation } from "@fieldsync/schema";

/** One synced entity as this device knows it. */
export interface LocalEntity {
  type: EntityType;
  id: string;
  /** What the user sees: `serverData` with this device's unacknowledged changes applied; null once deleted. */
  data: EntityData | null;
  /** The server's state at `version`; null while the server has never had it, or after it was deleted. */
  serverData: EntityData | null;
  /** Server version of `serverData`; 0 until the server has it. Server changes apply only above it. */
  version: number;
  /** 1 while changes of this entity wait in the outbox (numbers, because IndexedDB cannot index booleans). */
  pending: 0 | 1;
  /** 1 when `data` is null: deleted here, or a server tombstone (kept so older changes cannot resurrect it). */
  deleted: 0 | 1;
  /** For tasks and schedules, the asset they belong to. */
  assetId: string | null;
  updatedAt: string;
}

/**
 * pending: waits to be pushed (maybe already sent once: see `attempts`); conflict: the server
 * recorded a conflict and waits for a resolution; failed: the server rejected it (retry or discard).
 */
export type OutboxStatus = "pending" | "conflict" | "failed";

export interface OutboxEntry {
  /** Auto-increment key: the order changes were made, which is the order they are pushed. */
  seq?: number;
  /** Idempotency key: the server replays its stored result for a change it has seen. */
  changeId: string;
  entityType: EntityType;
  entityId: string;
  operation: SyncOperation;
  /** Full entity for CREATE, changed fields only for UPDATE, {} for DELETE. */
  payload: EntityData;
  /** The server version the edit is based on (sent as `clientVersion`); 0 for CREATE. */
  baseVersion: number;
  timestamp: string;
  status: OutboxStatus;
  /**
   * Deliveries started. Once above 0 the entry is frozen: the server may have stored it under
   * its changeId, so its content must never change (later edits become a new entry).
   */
  attempts: number;
  conflictId: string | null;
  error: { code: string; message: string } | null;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

export type LocalConflict = Conflict;

/** The store's current schema version. Bump it with a new `version(n)` block, never edit an old one. */
export const localSchemaVersion = 2;

/**
 * The layout of the first release (v1): outbox entries carried `clientVersion` and no changeId,
 * status or attempts; there was no conflicts table. Kept so tests can build a v1 store and so the
 * upgrade below documents what it converts.
 */
export const v1Stores = {
  entities: "[type+id], type, pending",
  outbox: "++seq, [entityType+entityId]",
  meta: "key",
};

const v2Stores = {
  entities: "[type+id], type, pending, assetId",
  outbox: "++seq, &changeId, [entityType+entityId], status",
  conflicts: "id, [entityType+entityId]",
  meta: "key",
};

interface V1OutboxEntry {
  seq: number;
  entityType: EntityType;
  entityId: string;
  operation: SyncOperation;
  payload: EntityData;
  clientVersion: number;
  timestamp: string;
}

interface V1Entity {
  type: EntityType;
  id: string;
  data: EntityData | null;
  version: number;
  pending: 0 | 1;
}

/** v1 → v2: keeps every unsynced change, giving it a changeId and the fields v2 tracks. */
async function upgradeToV2(tx: Transaction): Promise<void> {
  await tx
    .table("outbox")
    .toCollection()
    .modify((row: V1OutboxEntry & Partial<OutboxEntry>) => {
      // v1 never sent a changeId, so the server cannot have stored one of these: a fresh id is safe.
      row.changeId = crypto.randomUUID();
      row.baseVersion = row.operation === "CREATE" ? 0 : row.clientVersion;
      row.status = "pending";
      row.attempts = 0;
      row.conflictId = null;
      row.error = null;
      delete (row as Partial<V1OutboxEntry>).clientVersion;
    });
  await tx
    .table("entities")
    .toCollection()
    .modify((row: V1Entity & Partial<LocalEntity>) => {
      // v1 did not keep the server's copy apart; the shown data is the best base for a rebase.
      row.serverData = row.version > 0 ? row.data : null;
      row.deleted = row.data === null ? 1 : 0;
      const assetId = row.data?.["assetId"];
      row.assetId = row.type !== "asset" && typeof assetId === "string" ? assetId : null;
      row.updatedAt = new Date().toISOString();
    });
}

/** The device's IndexedDB store: entities, outbox, conflicts and sync state (`meta`). */
export class LocalDb extends Dexie {
  entities!: Table<LocalEntity, [EntityType, string]>;
  outbox!: EntityTable<OutboxEntry, "seq">;
  conflicts!: EntityTable<LocalConflict, "id">;
  meta!: EntityTable<MetaRow, "key">;

  constructor(name = "fieldsync", options?: DexieOptions) {
    super(name, options);
    this.version(1).stores(v1Stores);
    this.version(2).stores(v2Stores).upgrade(upgradeToV2);
  }
}
