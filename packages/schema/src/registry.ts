import { z } from "zod";
import { assetSchema } from "./entities/asset.ts";
import { scheduleSchema } from "./entities/schedule.ts";
import { taskSchema } from "./entities/task.ts";
import type { SyncOperation } from "./enums.ts";
import { schemaVersion } from "./schema-version.ts";
import { type PayloadUpgrade, upgradePayload } from "./upgrade.ts";

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
  /** Fields holding the id of a user; a write may name only an active user of the same organization (or null). */
  userFields?: readonly (keyof z.infer<S> & string)[];
  conflictPolicy: ConflictPolicy;
  /** The type in words, one and many ("Asset", "Assets"). */
  label: string;
  pluralLabel: string;
  /** The field that names an entity in lists, headings and conflicts. */
  titleField: keyof z.infer<S> & string;
  fields: FieldLabels<z.infer<S>>;
  /**
   * How a device's location subscription selects entities of this type: by one of its own text
   * fields (prefix match), or through the entity a reference field points at. Without it, a
   * subscription's locations do not filter the type.
   */
  scope?: { by: "field"; field: keyof z.infer<S> & string } | { by: "reference"; field: keyof z.infer<S> & string };
  /**
   * How payloads written under an older schema version reach this one, a step per version that
   * changed the type (`upgrade.ts`, docs/extending.md). Steps are never removed: a device offline
   * for months may still hold changes written under that version.
   */
  upgrades?: readonly PayloadUpgrade[];
}

/**
 * What people call a field: a label, and for an enum field one per value (`MAINTENANCE` →
 * "In maintenance"). Forms, screens, the conflict view and the OpenAPI descriptions show these.
 */
type FieldLabel<V> = [NonNullable<V>] extends [string]
  ? string extends NonNullable<V>
    ? { label: string }
    : { label: string; values: Record<NonNullable<V>, string> }
  : { label: string };

/** One label per synced field; the type demands value labels for every enum field. */
export type FieldLabels<T> = { [K in keyof T]-?: FieldLabel<T[K]> };

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
    label: "Asset",
    pluralLabel: "Assets",
    titleField: "name",
    fields: {
      name: { label: "Name" },
      serialNumber: { label: "Serial number" },
      location: { label: "Location" },
      notes: { label: "Notes" },
      status: { label: "Status", values: { OPERATIONAL: "Operational", MAINTENANCE: "In maintenance", RETIRED: "Retired" } },
    },
  }),
  task: defineEntity({
    model: "Task",
    schema: taskSchema,
    defaults: { status: "OPEN", priority: "NORMAL" },
    references: { assetId: "asset" },
    userFields: ["assigneeId"],
    conflictPolicy: defaultConflictPolicy,
    scope: { by: "reference", field: "assetId" },
    label: "Task",
    pluralLabel: "Tasks",
    titleField: "title",
    fields: {
      assetId: { label: "Asset" },
      title: { label: "Title" },
      status: { label: "Status", values: { OPEN: "Open", IN_PROGRESS: "In progress", DONE: "Done" } },
      priority: { label: "Priority", values: { LOW: "Low", NORMAL: "Normal", HIGH: "High", URGENT: "Urgent" } },
      dueAt: { label: "Due" },
      assigneeId: { label: "Assigned to" },
      notes: { label: "Notes" },
    },
  }),
  schedule: defineEntity({
    model: "Schedule",
    schema: scheduleSchema,
    defaults: {},
    references: { assetId: "asset" },
    conflictPolicy: defaultConflictPolicy,
    scope: { by: "reference", field: "assetId" },
    label: "Schedule",
    pluralLabel: "Schedules",
    titleField: "title",
    fields: {
      assetId: { label: "Asset" },
      title: { label: "Title" },
      intervalDays: { label: "Every (days)" },
      nextDueAt: { label: "Next due" },
      notes: { label: "Notes" },
    },
  }),
};

export type EntityType = keyof typeof entityRegistry;
export const entityTypes = Object.keys(entityRegistry) as [EntityType, ...EntityType[]];
export const entityTypeSchema = z.enum(entityTypes);

export type EntityDef = (typeof entityRegistry)[EntityType];

export const getEntity = (type: EntityType): EntityDefinition<z.ZodObject> =>
  entityRegistry[type] as unknown as EntityDefinition<z.ZodObject>;

/** A payload of `type` written under schema version `from`, in this build's shape (`schemaVersion`). */
export const upgradeEntityPayload = (type: EntityType, operation: SyncOperation, payload: Readonly<Record<string, unknown>>, from: number) =>
  upgradePayload(getEntity(type).upgrades ?? [], operation, payload, from, schemaVersion);

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
