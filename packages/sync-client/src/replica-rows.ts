import type { EntityType } from "@fieldsync/schema";
import { Dexie } from "dexie";
import { type OutboxEntry, type ServerCopy, buildRow, entityKey, noServerCopy } from "@fieldsync/sync-core";
import type { LocalDb, LocalEntity } from "./local-db.ts";

export type Key = [EntityType, string];

/** One entity's queued changes, in push order. */
export function queueOf(db: LocalDb, type: EntityType, id: string): Promise<OutboxEntry[]> {
  return db.outbox.where("[entityType+entityId]").equals([type, id]).sortBy("seq");
}

/**
 * Queued changes of many entities (by entityKey), each entity's in push order. The outbox is
 * usually empty or a handful of edits: then one getAll of it, filtered here, is cheaper than
 * walking an index for a page's thousand keys.
 */
export async function queuesOf(db: LocalDb, keys: readonly Key[]): Promise<Map<string, OutboxEntry[]>> {
  const queued = await db.outbox.count();
  const queues = new Map<string, OutboxEntry[]>();
  if (queued === 0) return queues;
  const wanted = new Set(keys.map(([type, id]) => entityKey(type, id)));
  const entries =
    queued <= keys.length
      ? (await db.outbox.toArray()).filter((entry) => wanted.has(entityKey(entry.entityType, entry.entityId)))
      : await db.outbox.where("[entityType+entityId]").anyOf(keys as Key[]).sortBy("seq");
  for (const entry of entries) {
    const key = entityKey(entry.entityType, entry.entityId);
    const queue = queues.get(key);
    if (queue) queue.push(entry);
    else queues.set(key, [entry]);
  }
  return queues;
}

/**
 * The stored version of each key (0 where none). Keys of one type whose id range holds no stored
 * row at all (an initial sync's pages arrive in id order into an empty range) are answered by one
 * key lookup instead of a get per key.
 */
export async function storedVersions(db: LocalDb, keys: readonly Key[]): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  const byType = new Map<EntityType, string[]>();
  for (const [type, id] of keys) {
    const ids = byType.get(type);
    if (ids) ids.push(id);
    else byType.set(type, [id]);
  }
  const toRead: Key[] = [];
  for (const [type, ids] of byType) {
    const [low, high] = ids.reduce(([lo, hi], id) => [id < lo ? id : lo, id > hi ? id : hi], [ids[0]!, ids[0]!]);
    const any = await db.entities.where(":id").between([type, low], [type, high], true, true).limit(1).primaryKeys();
    if (any.length > 0) toRead.push(...ids.map((id): Key => [type, id]));
  }
  const rows = toRead.length ? await db.entities.bulkGet(toRead) : [];
  toRead.forEach(([type, id], i) => versions.set(entityKey(type, id), rows[i]?.version ?? 0));
  return versions;
}

/**
 * Adds each row whose key holds none yet, in one bulkAdd: IndexedDB refuses the others (a
 * ConstraintError each, which does not abort the transaction), with no read before. The keys
 * (entityKey) of the rows added.
 */
export async function addAbsent(db: LocalDb, rows: readonly LocalEntity[]): Promise<Set<string>> {
  const added = new Set(rows.map((row) => entityKey(row.type, row.id)));
  if (rows.length === 0) return added;
  try {
    await db.entities.bulkAdd(rows as LocalEntity[]);
  } catch (error) {
    if (!(error instanceof Dexie.BulkError)) throw error;
    for (const [position, failure] of Object.entries(error.failuresByPos)) {
      if (failure.name !== "ConstraintError") throw error;
      const row = rows[Number(position)]!;
      added.delete(entityKey(row.type, row.id));
    }
  }
  return added;
}

/** Stores the row a server copy and a queue make (buildRow), or forgets the entity when they make none. */
export async function writeRow(db: LocalDb, type: EntityType, id: string, server: ServerCopy, queue: readonly OutboxEntry[]): Promise<void> {
  const row = buildRow(type, id, server, queue, new Date().toISOString());
  if (row) await db.entities.put(row);
  else await db.entities.delete([type, id]);
}

/** Recomputes an entity's row from its stored server copy and its queued changes. */
export async function refresh(db: LocalDb, type: EntityType, id: string): Promise<void> {
  const row = await db.entities.get([type, id]);
  await writeRow(db, type, id, row ?? noServerCopy, await queueOf(db, type, id));
}
