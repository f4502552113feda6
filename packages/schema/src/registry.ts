import { z } from "zod";
import { assetSchema } from "./entities/asset.ts";
import { scheduleSchema } from "./entities/schedule.ts";
import { taskSchema } from "./entities/task.ts";

export interface ConflictPolicy {
  /** Merge edits to disjoint fields without asking anyone (recorded as a MERGE by "system"). */
  autoMergeDisjoint: boolean;
  /** Suggested when both sides changed the same field and timestamps do not decide. */
  preference: "CLIENT_WINS" | "SERVER_WINS";
}

export const defaultConflictPolicy: ConflictPolicy = { autoMergeDisjoint: true, preference: "CLIENT_WINS" };

interface EntityDefinition<S extends z.ZodObject> {
  /** Prisma model (and table) holding the entity; it needs `orgId` + `id` as primary key. */
  model: string;
  /** Full entity for CREATE; UPDATE payloads are its partial form. Keys are column names. */
  schema: S;
  /** Values a CREATE payload may omit; any other omitted field is stored as null. */
  defaults: Partial<z.infer<S>>;
  /** Fields holding the id of another entity type of the same organization. */
  references: Partial<Record<keyof z.infer<S>, string>>;
  conflictPolicy: ConflictPolicy;
  /**
   * How a device's location subscription selects entities of this type: by one of its own text
   * fields (prefix match), or through the entity a reference field points at. Without it, a
   * subscription's locations do not filter the type.
   */
  scope?: { by: "field"; field: keyof z.infer<S> & string } | { by: "reference"; field: keyof z.infer<S> & string };
}

const defineEntity = <S extends z.ZodObject>(def: EntityDefinition<S>) => def;

/**
 * Every synced entity type. Adding one = an entry here plus a Prisma model and a migration that
 * attaches the tracking trigger (`docs/extending.md`); server, worker and clients derive the rest.
 */
export const entityRegistry = {
  asset: defineEntity({
    model: "Asset",
    schema: assetSchema,
    defaults: { status: "OPERATIONAL" },
    references: {},
    conflictPolicy: defaultConflictPolicy,
    scope: { by: "field", field: "location" },
  }),
  task: defineEntity({
    model: "Task",
    schema: taskSchema,
    defaults: { status: "OPEN", priority: "NORMAL" },
    references: { assetId: "asset" },
    conflictPolicy: defaultConflictPolicy,
    scope: { by: "reference", field: "assetId" },
  }),
  schedule: defineEntity({
    model: "Schedule",
    schema: scheduleSchema,
    defaults: {},
    references: { assetId: "asset" },
    conflictPolicy: defaultConflictPolicy,
    scope: { by: "reference", field: "assetId" },
  }),
};

export type EntityType = keyof typeof entityRegistry;
export const entityTypes = Object.keys(entityRegistry) as [EntityType, ...EntityType[]];
export const entityTypeSchema = z.enum(entityTypes);

export type EntityDef = (typeof entityRegistry)[EntityType];

export const getEntity = (type: EntityType): EntityDefinition<z.ZodObject> =>
  entityRegistry[type] as unknown as EntityDefinition<z.ZodObject>;

/** The synced field names of a type, in schema order. */
export const entityFields = (type: EntityType): string[] => Object.keys(getEntity(type).schema.shape);

/**
 * Columns the server owns. A payload naming one is rejected (mass assignment); the tracking
 * trigger leaves these columns out of checksums (`prisma/migrations/*_version_tracking`).
 */
export const serverOwnedFields = [
  "id",
  "orgId",
  "version",
  "checksum",
  "createdAt",
  "updatedAt",
  "createdBy",
  "updatedBy",
  "deletedAt",
  "lastModifiedBy",
  "lastModifiedAt",
] as const;
