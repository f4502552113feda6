import { z } from "zod";
import type { SyncOperation } from "./enums.ts";
import { type EntityType, getEntity, serverOwnedFields } from "./registry.ts";

const serverOwned = new Set<string>(serverOwnedFields);

/** Why a key of a request object was refused: for server-owned fields, that the server sets them. */
export const unrecognizedKeyMessage = (key: string) =>
  serverOwned.has(key) ? `${key} is set by the server and cannot be sent` : `${key} is not a known field`;

/** An entity's synced fields as JSON: every field of its schema present, absent ones null. */
export const entityDataSchema = z.record(z.string(), z.unknown());
export type EntityData = z.infer<typeof entityDataSchema>;

/** At least one key: a runtime check and its JSON Schema keyword, declared together. */
const nonEmpty = <S extends z.ZodObject>(schema: S) =>
  schema.refine((value) => Object.keys(value).length > 0, "an UPDATE must change at least one field").meta({ minProperties: 1 });

/**
 * The payload a change of `type` and `operation` carries: CREATE the full entity (fields with a
 * registry default may be omitted), UPDATE a non-empty subset of fields (null clears an optional
 * field), DELETE nothing. Any other key, server-owned fields among them (mass assignment), is
 * refused by the strict entity schemas.
 */
export function changePayloadSchema(type: EntityType, operation: SyncOperation) {
  const entity = getEntity(type).schema;
  if (operation === "CREATE") return entity;
  if (operation === "UPDATE") return nonEmpty(entity.partial());
  return z.strictObject({}).meta({ maxProperties: 0 }).default({});
}

/** Fills a CREATE payload up to full entity data: defaults, then null for anything absent. */
export function toEntityData(type: EntityType, payload: Record<string, unknown>): EntityData {
  const def = getEntity(type);
  const defaults = def.defaults as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(def.schema.shape).map((field) => [field, payload[field] ?? defaults[field] ?? null]),
  );
}
