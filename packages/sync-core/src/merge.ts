import type { EntityData } from "@fieldsync/schema";
import { sameJson } from "./canonical.ts";

/** Fields whose values differ between two versions of an entity (absent counts as null). */
export function changedFields(from: EntityData, to: EntityData): string[] {
  const keys = new Set([...Object.keys(from), ...Object.keys(to)]);
  return [...keys].filter((key) => !sameJson(from[key], to[key])).sort();
}

/** The entity after a partial UPDATE payload (null clears a field). */
export const applyPatch = (base: EntityData, patch: EntityData): EntityData => ({ ...base, ...patch });

export interface MergeResult {
  merged: EntityData;
  /** Fields both sides changed to different values; `merged` takes `prefer`'s value for them. */
  conflictingFields: string[];
  clientFields: string[];
  serverFields: string[];
}

/**
 * Three-way merge of a client's and the server's edits of the same base version. Fields only one
 * side changed take that side's value; fields both changed to the same value are no conflict.
 * Deterministic, and idempotent: merging the result with the same client edit again returns it.
 */
export function threeWayMerge(
  base: EntityData,
  server: EntityData,
  client: EntityData,
  prefer: "client" | "server" = "server",
): MergeResult {
  const clientFields = changedFields(base, client);
  const serverFields = new Set(changedFields(base, server));
  const conflictingFields = clientFields.filter((key) => serverFields.has(key) && !sameJson(client[key], server[key]));
  const merged: EntityData = { ...server };
  for (const key of clientFields) {
    if (!conflictingFields.includes(key) || prefer === "client") merged[key] = client[key] ?? null;
  }
  return { merged, conflictingFields, clientFields, serverFields: [...serverFields] };
}
