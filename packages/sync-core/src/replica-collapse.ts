import type { EntityData, EntityType, SyncOperation } from "@fieldsync/schema";
import { sameJson } from "./canonical.ts";
import type { OutboxEntry, ReplicaRow } from "./replica.ts";

export type Collapsed =
  /** Replace the open entry with this one (same changeId and base version). */
  | { kind: "replace"; entry: OutboxEntry }
  /** Both cancel out: a CREATE the server never saw, then deleted. */
  | { kind: "drop" }
  /** Cannot be combined: queue the edit as a new entry. */
  | { kind: "append" };

/**
 * Folds a new edit into the last queued change of the same entity, if that change was never sent
 * (`attempts === 0`; a sent one is frozen under its changeId). The base version is kept, so the
 * server still sees which version the user's edits started from and can merge or report a conflict.
 * create+update → create, update+update → update, update+delete → delete, create+delete → nothing.
 */
export function collapse(
  open: OutboxEntry | undefined,
  operation: SyncOperation,
  payload: EntityData,
  timestamp: string,
): Collapsed {
  if (!open || open.attempts > 0 || open.status !== "pending") return { kind: "append" };
  if (open.operation === "DELETE") throw new Error("the entity is already deleted");
  if (operation === "CREATE") throw new Error("the entity already exists");
  if (operation === "DELETE") {
    if (open.operation === "CREATE") return { kind: "drop" };
    return { kind: "replace", entry: { ...open, operation: "DELETE", payload: {}, timestamp } };
  }
  return { kind: "replace", entry: { ...open, payload: { ...open.payload, ...payload }, timestamp } };
}

/** A local edit as the user made it; `changeId` is used only if it becomes a new outbox entry. */
export interface LocalEdit {
  type: EntityType;
  id: string;
  operation: SyncOperation;
  payload: EntityData;
  timestamp: string;
  changeId: string;
}

export type OutboxWrite =
  | { kind: "put"; entry: OutboxEntry }
  | { kind: "delete"; seq: number }
  | { kind: "add"; entry: OutboxEntry };

/**
 * An UPDATE folded into the entity's only queued change that brings every field it touches back
 * to the server's copy (an undo before the change left the device): pushing it would change
 * nothing, so it cancels out like create+delete. Only while the server copy is still the version
 * the change was based on; after a newer one arrived the change stays, and the server merges it.
 */
const restoresServerCopy = (row: Pick<ReplicaRow, "serverData" | "version"> | undefined, queue: readonly OutboxEntry[], entry: OutboxEntry) =>
  entry.operation === "UPDATE" &&
  queue.length === 1 &&
  row?.serverData != null &&
  entry.baseVersion === row.version &&
  Object.keys(effectivePatch(row.serverData, entry.payload)).length === 0;

/**
 * Queues an edit of an entity whose row and queue (in push order) are given: the outbox write it
 * takes and the entity's queue after it. Throws when the edit does not fit the entity's state
 * (creating one that exists, editing or deleting one that does not exist here).
 */
export function queueEdit(
  row: Pick<ReplicaRow, "data" | "serverData" | "version"> | undefined,
  queue: readonly OutboxEntry[],
  edit: LocalEdit,
): { write: OutboxWrite; queue: OutboxEntry[] } {
  const { type, id, operation, payload, timestamp } = edit;
  const exists = row?.data != null;
  if (operation === "CREATE" ? exists || row !== undefined : !exists) {
    throw new Error(operation === "CREATE" ? `${type} ${id} already exists` : `${type} ${id} does not exist here`);
  }
  const open = queue.at(-1);
  const outcome = collapse(open, operation, payload, timestamp);
  if (outcome.kind === "drop" || (outcome.kind === "replace" && restoresServerCopy(row, queue, outcome.entry))) {
    return { write: { kind: "delete", seq: open!.seq! }, queue: queue.slice(0, -1) };
  }
  if (outcome.kind === "replace") return { write: { kind: "put", entry: outcome.entry }, queue: [...queue.slice(0, -1), outcome.entry] };
  const entry: OutboxEntry = {
    changeId: edit.changeId,
    entityType: type,
    entityId: id,
    operation,
    payload,
    // A later acknowledgement of an earlier queued change moves this to the version it produced.
    baseVersion: operation === "CREATE" ? 0 : (row?.version ?? 0),
    timestamp,
    status: "pending",
    attempts: 0,
    conflictId: null,
    error: null,
  };
  return { write: { kind: "add", entry }, queue: [...queue, entry] };
}

/** The fields of `patch` whose values differ from `current` (absent counts as null): an UPDATE's payload. */
export const effectivePatch = (current: EntityData, patch: EntityData): EntityData =>
  Object.fromEntries(Object.entries(patch).filter(([field, value]) => !sameJson(current[field], value)));
