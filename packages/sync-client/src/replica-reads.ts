import type { Conflict, EntityType } from "@fieldsync/schema";
import { type OutboxEntry, childKeys } from "@fieldsync/sync-core";
import type { LocalDb, LocalEntity } from "./local-db.ts";

export const get = (db: LocalDb, type: EntityType, id: string): Promise<LocalEntity | undefined> => db.entities.get([type, id]);

/** Live (not deleted) entities of a type, in no particular order. */
export const list = (db: LocalDb, type: EntityType): Promise<LocalEntity[]> =>
  db.entities.where("[type+deleted]").equals([type, 0]).toArray();

/** Live entities of `type` referencing `parentId` through any of its reference fields (e.g. the tasks of an asset). */
export const childrenOf = (db: LocalDb, type: EntityType, parentId: string): Promise<LocalEntity[]> =>
  db.entities
    .where("parents")
    .anyOf(childKeys(type, parentId))
    .distinct()
    .filter((row) => row.type === type && row.deleted === 0)
    .toArray();

/** Outbox in push order. */
export const outbox = (db: LocalDb): Promise<OutboxEntry[]> => db.outbox.orderBy("seq").toArray();

/** Outbox entries still to be sent or settled: pending, or waiting on a conflict's resolution (failed ones wait for the user). */
export const unsettled = (db: LocalDb): Promise<number> => db.outbox.where("status").anyOf("pending", "conflict").count();

export const conflicts = (db: LocalDb): Promise<Conflict[]> => db.conflicts.orderBy("id").toArray();
