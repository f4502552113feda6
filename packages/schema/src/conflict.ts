import { z } from "zod";
import { limits } from "./limits.ts";
import { conflictResolutionSchema, syncOperationSchema } from "./enums.ts";
import { entityIdSchema, isoDateTime } from "./fields.ts";
import { entityDataSchema } from "./payload.ts";
import { entityTypeSchema } from "./registry.ts";
import { serverChangeSchema } from "./change.ts";

/** The two sides of a conflict: the pushing device's edit, or the version the server holds. */
export const conflictSideSchema = z.enum(["client", "server"]);
export type ConflictSide = z.infer<typeof conflictSideSchema>;

/** Which side was edited more recently; unknown when the rule's answer does not tell (see sync-core newerSide). */
export const newerSideSchema = z.enum(["client", "server", "unknown"]);
export type NewerSide = z.infer<typeof newerSideSchema>;

/**
 * What to keep for one field both sides changed: learned from the organization's past resolutions
 * when they agree clearly enough, otherwise the spec's rule (sync-core learned-suggest.ts).
 */
export const fieldSuggestionSchema = z.object({
  field: z.string(),
  side: conflictSideSchema,
  source: z.enum(["learned", "rule"]),
  /** Past resolved conflicts on this field (under `basis`) that kept `side`, out of `of`. */
  kept: z.int().min(0),
  of: z.int().min(0),
  /** "conditions": only past conflicts with the same client role and newer side; "field": all on this field. */
  basis: z.enum(["conditions", "field", "rule"]),
  /** Lower bound (one-sided 95%) of the share of past choices for `side`; 0 for the rule. */
  confidence: z.number().min(0).max(1),
  /** The suggestion in words, with the counts or why history was too thin. */
  reason: z.string(),
});
export type FieldSuggestion = z.infer<typeof fieldSuggestionSchema>;

/**
 * Who made one side's edit, and when, in the names people know. The device's side is the pushed
 * change: its timestamp (the device's clock), or when it reached the server if the change carried
 * no changeId to find it by. The server's side is the write that made `serverVersion`.
 */
export const conflictEditSchema = z.object({
  userId: z.string().nullable().describe("The user who made the edit; null when the write is not attributed to one"),
  userName: z.string().nullable().describe("That user's display name; null when the writer is no user (\"system\")"),
  deviceId: z.string().nullable().describe("The device the edit came from; null for a write made on the server (a resolution)"),
  deviceName: z.string().nullable().describe("The name the device registered with, if any"),
  at: isoDateTime.describe("When the edit was made"),
});
export type ConflictEdit = z.infer<typeof conflictEditSchema>;

/**
 * A conflict as clients see it. The spec's fields first; `clientData` is what the client wanted
 * (base + its edit; null for a DELETE), `serverData` the server's entity when the conflict arose
 * (null if it was deleted). Open while `resolvedAt` is null (`resolution` is then MANUAL).
 */
export const conflictSchema = z.object({
  entityType: entityTypeSchema,
  entityId: entityIdSchema,
  clientVersion: z.int(),
  serverVersion: z.int(),
  clientData: entityDataSchema.nullable(),
  serverData: entityDataSchema.nullable(),
  suggestedResolution: conflictResolutionSchema,
  id: z.uuid(),
  operation: syncOperationSchema,
  baseData: entityDataSchema.nullable(),
  conflictingFields: z.array(z.string()),
  resolution: conflictResolutionSchema,
  resolvedBy: z.string().nullable(),
  resolvedAt: isoDateTime.nullable(),
  deviceId: z.string().nullable(),
  changeId: z.string().nullable(),
  createdAt: isoDateTime,
  /** One per conflicting field, in `conflictingFields` order (empty when none). */
  fieldSuggestions: z.array(fieldSuggestionSchema),
  clientEdit: conflictEditSchema.describe("Who made the device's edit (clientData), and when"),
  serverEdit: conflictEditSchema.nullable().describe("Who wrote the server's version (serverData), and when; null if the entity never existed there"),
});
export type Conflict = z.infer<typeof conflictSchema>;

export const listConflictsQuerySchema = z.strictObject({
  entityType: entityTypeSchema.optional(),
  entityId: entityIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const resolveConflictBodySchema = z.strictObject({
  conflictId: z.uuid(),
  resolution: conflictResolutionSchema,
  /** For MERGE: field values to use; fields left out are merged three-way from base. */
  mergedData: z.record(z.string(), z.unknown()).optional(),
});
export type ResolveConflictBody = z.infer<typeof resolveConflictBodySchema>;

export const resolveConflictResponseSchema = z.object({
  conflict: conflictSchema,
  /** The new version written by the resolution (absent for MANUAL, which leaves it open). */
  change: serverChangeSchema.nullable(),
});
export type ResolveConflictResponse = z.infer<typeof resolveConflictResponseSchema>;

export const listConflictsResponseSchema = z.object({ conflicts: z.array(conflictSchema) });

/**
 * POST /api/sync/conflicts/lookup: the state of named conflicts, however many others the
 * organization has open (the list above is paged). A device asks about the conflicts its own
 * queued changes wait on, and drops such a change only once its conflict is resolved.
 */
export const lookupConflictsBodySchema = z.strictObject({
  conflictIds: z.array(z.uuid()).min(1).max(limits.maxConflictLookup),
});
export type LookupConflictsBody = z.infer<typeof lookupConflictsBodySchema>;

/** unknown: no such conflict in the caller's organization (never created, or of another one). */
export const conflictStatusSchema = z.enum(["open", "resolved", "unknown"]);
export type ConflictStatus = z.infer<typeof conflictStatusSchema>;

export const lookupConflictsResponseSchema = z.object({
  /** One entry per requested id, in request order; `conflict` is null when unknown. */
  conflicts: z.array(z.object({ conflictId: z.uuid(), status: conflictStatusSchema, conflict: conflictSchema.nullable() })),
});
export type LookupConflictsResponse = z.infer<typeof lookupConflictsResponseSchema>;
