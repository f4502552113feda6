import { type EntityData, type EntityType, type SyncOperation, toEntityData } from "@fieldsync/schema";
import { applyPatch } from "./merge.ts";

/**
 * The entity a user sees: the server's copy with this device's unacknowledged changes replayed
 * in order (null when deleted). Recomputed whenever either side moves, so a server change that
 * arrives under a pending local edit shows both.
 */
export function project(
  type: EntityType,
  serverData: EntityData | null,
  entries: readonly { operation: SyncOperation; payload: EntityData }[],
): EntityData | null {
  let data = serverData;
  for (const entry of entries) {
    if (entry.operation === "CREATE") data = toEntityData(type, entry.payload);
    else if (entry.operation === "DELETE") data = null;
    else if (data !== null) data = applyPatch(data, entry.payload);
  }
  return data;
}
