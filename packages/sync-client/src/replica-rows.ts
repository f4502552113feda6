import type { EntityType } from "@fieldsync/schema";
import { type OutboxEntry, type ServerCopy, buildRow, entityKey, noServerCopy } from "@fieldsync/sync-core";
import type { LocalDb } from "./local-db.ts";

export type Key = [EntityType, string];

/** One entity's queued changes, in push order. */
export function queueOf(db: LocalDb, type: EntityType, id: string): Promise<OutboxEntry[]> {
  return db.outbox.where("[entityType+entityId]").equals([type, id]).sortBy("seq");
}

/** Queued changes of many entities (by entityKey), each entity's in push order. */
export async function queuesOf(db: LocalDb, keys: readonly Key[]): Promise<Map<string, OutboxEntry[]>> {
  const entries = await db.outbox.where("[entityType+entityId]").anyOf(keys as Key[]).sortBy("seq");
  const queues = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const key = entityKey(entry.entityType, entry.entityId);
    const queue = queues.get(key);
    if (queue) queue.push(entry);
    else queues.set(key, [entry]);
  }
  return queues;
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
