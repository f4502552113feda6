import type { ServerChange } from "@fieldsync/schema";
import { type ServerCopy } from "./replica.ts";
import { entityKey } from "./entity-key.ts";

/** Each entity's newest change of a page (pages may carry several versions in any order). */
export function newestPerEntity(changes: readonly ServerChange[]): ServerChange[] {
  const newest = new Map<string, ServerChange>();
  for (const change of changes) {
    const key = entityKey(change.entityType, change.entityId);
    if (change.clientVersion > (newest.get(key)?.clientVersion ?? 0)) newest.set(key, change);
  }
  return [...newest.values()];
}

/**
 * Which of a page's changes this device takes, given the versions it holds (by entityKey; absent:
 * 0): `fresh`, each entity's newest change above its stored version, and `applied`, how many of the
 * page's changes were newer than what the device held when it met them, counted in page order.
 * Versions never go back.
 */
export function newerChanges(changes: readonly ServerChange[], stored: ReadonlyMap<string, number>) {
  const current = new Map(stored);
  let applied = 0;
  for (const change of changes) {
    const key = entityKey(change.entityType, change.entityId);
    if (change.clientVersion <= (current.get(key) ?? 0)) continue;
    current.set(key, change.clientVersion);
    applied++;
  }
  const fresh = newestPerEntity(changes).filter(
    (change) => change.clientVersion > (stored.get(entityKey(change.entityType, change.entityId)) ?? 0),
  );
  return { fresh, applied };
}

/** The server copy a change leaves behind (a tombstone for DELETE). */
export const serverCopyOf = (change: ServerChange): ServerCopy => ({
  serverData: change.operation === "DELETE" ? null : change.payload,
  version: change.clientVersion,
});
