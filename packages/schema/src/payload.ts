import { z } from "zod";
import type { SyncOperation } from "./enums.ts";
import { type EntityType, entityTypes, getEntity, serverOwnedFields } from "./registry.ts";

/** An entity's synced fields as JSON: every field of its schema present, absent ones null. */
export const entityDataSchema = z.record(z.string(), z.unknown());
export type EntityData = z.infer<typeof entityDataSchema>;

const updateSchemas = Object.fromEntries(
  entityTypes.map((type) => [type, getEntity(type).schema.partial()]),
) as Record<EntityType, z.ZodObject>;

const serverOwned = new Set<string>(serverOwnedFields);

export interface PayloadIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Checks a change's payload against its entity schema: CREATE needs the full entity, UPDATE a
 * non-empty subset of fields (null clears an optional field), DELETE nothing. Server-owned fields
 * are named as such so a client learns why, rather than "unrecognized key".
 */
export function payloadIssues(
  type: EntityType,
  operation: SyncOperation,
  payload: Record<string, unknown>,
): PayloadIssue[] {
  const owned = Object.keys(payload).filter((key) => serverOwned.has(key));
  if (owned.length > 0) {
    return owned.map((key) => ({ path: [key], message: `${key} is set by the server and cannot be sent` }));
  }
  if (operation === "DELETE") {
    return Object.keys(payload).map((key) => ({ path: [key], message: "a DELETE carries no fields" }));
  }
  const schema = operation === "CREATE" ? getEntity(type).schema : updateSchemas[type];
  const result = schema.safeParse(payload);
  if (!result.success) return result.error.issues.map(({ path, message }) => ({ path, message }));
  if (operation === "UPDATE" && Object.keys(payload).length === 0) {
    return [{ path: [], message: "an UPDATE must change at least one field" }];
  }
  return [];
}

/** Fills a CREATE payload up to full entity data: defaults, then null for anything absent. */
export function toEntityData(type: EntityType, payload: Record<string, unknown>): EntityData {
  const def = getEntity(type);
  const defaults = def.defaults as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(def.schema.shape).map((field) => [field, payload[field] ?? defaults[field] ?? null]),
  );
}
