import { z } from "zod";
import { conflictResolutionSchema, syncOperationSchema } from "./enums.ts";
import { entityIdSchema, isoDateTime } from "./fields.ts";
import { entityDataSchema } from "./payload.ts";
import { entityTypeSchema } from "./registry.ts";
import { serverChangeSchema } from "./change.ts";

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
