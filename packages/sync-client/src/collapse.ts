import type { EntityData, SyncOperation } from "@fieldsync/schema";
import type { OutboxEntry } from "./local-db.ts";

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
