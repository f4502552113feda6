import { z } from "zod";
import { syncChangeSchema, serverChangeSchema } from "./change.ts";
import { conflictSchema } from "./conflict.ts";
import { deviceIdSchema, deviceNameSchema } from "./device.ts";
import { rejectionCodes } from "./errors.ts";
import { entityIdSchema, isoDateTime } from "./fields.ts";
import { limits } from "./limits.ts";
import { entityTypeSchema } from "./registry.ts";
import { schemaVersionSchema } from "./schema-version.ts";
import { entityRefSchema } from "./subscription.ts";

/** POST /api/sync: the spec's request, unchanged. */
export const pushBodySchema = z.strictObject({
  deviceId: deviceIdSchema,
  deviceName: deviceNameSchema.optional(),
  syncToken: z.string().max(limits.maxTokenLength).nullable().optional(),
  changes: z.array(syncChangeSchema).max(limits.maxChangesPerPush).default([]),
  /** Ask for background processing even below the server's inline batch size. */
  async: z.boolean().optional(),
  /**
   * The entity schema version the changes were written under (the app build's). The server
   * upgrades older payloads to its own before deciding them; absent means 1, the version of every
   * build before this field. Older than the server takes: 412 SCHEMA_VERSION_TOO_OLD; newer than
   * it knows: 412 SCHEMA_VERSION_UNKNOWN. Either way nothing is written.
   */
  schemaVersion: schemaVersionSchema.optional(),
  /**
   * False: answer with this push's own results only, without other devices' changes (`changes`
   * then holds at most this push's merges). The device pulls those with POST /api/sync/delta from
   * the answer's `syncToken`, after its other batches: its own writes never wait behind others'
   * data. Ignored when the device has no incremental token (first sync, reset, new scope).
   */
  pull: z.boolean().optional(),
});
export type PushBody = z.infer<typeof pushBodySchema>;
export type PushBodyInput = z.input<typeof pushBodySchema>;

const resultBase = {
  /** Position of the change in the request's `changes`. */
  index: z.int(),
  changeId: z.string().nullable(),
  entityType: entityTypeSchema,
  entityId: entityIdSchema,
  /** True when this is the stored outcome of an earlier delivery of the same change. */
  duplicate: z.boolean(),
};

/** What became of each pushed change: data, never an exception. */
export const changeResultSchema = z.discriminatedUnion("status", [
  z.object({
    ...resultBase,
    status: z.literal("applied"),
    /** The entity's version now; the client stores it as its base for the next edit. */
    version: z.int(),
    checksum: z.string().nullable(),
    /** Set when the edit was merged with a concurrent one (the merged entity is in `changes`). */
    mergedConflictId: z.string().nullable(),
  }),
  z.object({
    ...resultBase,
    status: z.literal("conflict"),
    conflictId: z.string(),
    serverVersion: z.int(),
  }),
  z.object({
    ...resultBase,
    /** Stored durably and handed to the worker; push the same change again later for its outcome. */
    status: z.literal("queued"),
    queueItemId: z.string(),
  }),
  z.object({
    ...resultBase,
    status: z.literal("rejected"),
    code: z.enum(Object.values(rejectionCodes) as [string, ...string[]]),
    message: z.string(),
  }),
]);
export type ChangeResult = z.infer<typeof changeResultSchema>;

/** POST /api/sync response: the spec's fields, plus `results` and `hasMore`. */
export const pushResponseSchema = z.object({
  syncToken: z.string(),
  /** Where `syncToken` sits in the change log (as live events' ranges name it); null mid-snapshot. */
  position: z.string().nullable(),
  /** Changes made elsewhere since the request's syncToken (never an echo of this push). */
  changes: z.array(serverChangeSchema),
  /** Open conflicts this push created. */
  conflicts: z.array(conflictSchema),
  serverTime: isoDateTime,
  results: z.array(changeResultSchema),
  /**
   * More changes are waiting: continue with POST /api/sync/delta using `syncToken`. After a push
   * sent with `pull: false`, true whenever the token is not known to be at the head.
   */
  hasMore: z.boolean(),
  /** The server asked this device to drop its local data: `changes` restart from a snapshot. */
  resetRequired: z.boolean(),
  /** Entities that left the device's subscription (e.g. an asset moved elsewhere): drop them. */
  evict: z.array(entityRefSchema),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;
