import { type EntityData, type EntityType, toEntityData } from "@fieldsync/schema";
import { applyPatch } from "@fieldsync/sync-core";
import type { OutboxEntry } from "./local-db.ts";

/**
 * The entity a user sees: the server's copy with this device's unacknowledged changes replayed
 * in order (null when deleted). Recomputed whenever either side moves, so a server change that
 * arrives under a pending local edit shows both.
 */
export function project(
  type: EntityType,
  serverData: EntityData | null,
  entries: readonly Pick<OutboxEntry, "operation" | "payload">[],
): EntityData | null {
  let data = serverData;
  for (const entry of entries) {
    if (entry.operation === "CREATE") data = toEntityData(type, entry.payload);
    else if (entry.operation === "DELETE") data = null;
    else if (data !== null) data = applyPatch(data, entry.payload);
  }
  return data;
}

/** The asset a task or schedule belongs to (indexed for "tasks of this asset"). */
export function assetIdOf(type: EntityType, data: EntityData | null): string | null {
  const value = data?.["assetId"];
  return type !== "asset" && typeof value === "string" ? value : null;
}
