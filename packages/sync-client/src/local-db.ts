import { Dexie, type DexieOptions, type EntityTable, type Table, type Transaction } from "dexie";
import { type Conflict, type EntityData, type EntityType, type SyncOperation, schemaVersion } from "@fieldsync/schema";
import { type OutboxEntry, type ReplicaRow, newId, parentKeys } from "@fieldsync/sync-core";

/** One synced entity as this device knows it (the replica model's row, see sync-core replica.ts). */
export type LocalEntity = ReplicaRow;

export type { OutboxEntry, OutboxStatus } from "@fieldsync/sync-core";

export interface MetaRow {
  key: string;
  value: unknown;
}

export type LocalConflict = Conflict;

/**
 * The `meta` row holding the entity schema version the store's payloads are in (packages/schema
 * `schemaVersion`; absent in stores made before it existed: version 1). See local-schema.ts.
 */
export const schemaVersionKey = "schemaVersion";

/** The store's current schema version. Bump it with a new `version(n)` block, never edit an old one. */
export const localSchemaVersion = 4;

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

/** The v2 layout (tests build a v2 store from it, as with v1Stores). */
export const v2Stores = {
  entities: "[type+id], type, pending, assetId",
  outbox: "++seq, &changeId, [entityType+entityId], status",
  conflicts: "id, [entityType+entityId]",
  meta: "key",
};

/**
 * v3: entities are indexed under every parent the registry's `references` name (`*parents`,
 * sync-core parentKeys) instead of v2's single `assetId` column.
 */
const v3Stores = { ...v2Stores, entities: "[type+id], type, pending, *parents" };

/**
 * v4: the live rows of a type are one index range (`[type+deleted]`), read with one getAll; v3
 * walked a cursor over the type's rows to drop the deleted ones, which made listing 10,000 rows
 * (and so every page of an initial sync shown on a list) several times slower. Only indexes change.
 */
const v4Stores = { ...v3Stores, entities: "[type+id], [type+deleted], pending, *parents" };

interface V1OutboxEntry {
  seq: number;
  entityType: EntityType;
  entityId: string;
  operation: SyncOperation;
  payload: EntityData;
  clientVersion: number;
  timestamp: string;
}

/** v2's row: today's, with the single parent column v3 replaced by `parents`. */
type V2Entity = Omit<LocalEntity, "parents"> & { assetId: string | null };

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
      row.changeId = newId();
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
    .modify((row: V1Entity & Partial<V2Entity>) => {
      // v1 did not keep the server's copy apart; the shown data is the best base for a rebase.
      row.serverData = row.version > 0 ? row.data : null;
      row.deleted = row.data === null ? 1 : 0;
      const assetId = row.data?.["assetId"];
      row.assetId = row.type !== "asset" && typeof assetId === "string" ? assetId : null;
      row.updatedAt = new Date().toISOString();
    });
}

/** v2 → v3: each row's parents from its shown data (or, once deleted, its server copy); the outbox is untouched. */
async function upgradeToV3(tx: Transaction): Promise<void> {
  await tx
    .table("entities")
    .toCollection()
    .modify((row: Partial<V2Entity> & LocalEntity) => {
      row.parents = parentKeys(row.type, row.data ?? row.serverData);
      delete row.assetId;
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
    this.version(3).stores(v3Stores).upgrade(upgradeToV3);
    this.version(4).stores(v4Stores);
    // A new store holds nothing older than this build's entity schema (local-schema.ts).
    this.on("populate", (tx) => void tx.table("meta").add({ key: schemaVersionKey, value: schemaVersion }));
  }
}
