import { z } from "zod";
import { syncOperationSchema } from "./enums.ts";
import { entityIdSchema, isoDateTime, storableInstant, storableInstantMessage } from "./fields.ts";
import { entityDataSchema, payloadIssues } from "./payload.ts";
import { entityTypeSchema } from "./registry.ts";

export const checksumSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256");

/**
 * One change a client pushes. `clientVersion` is the server version the client's edit is based on
 * (0 or any value for CREATE, which has no base). `checksum`, when sent, must be the SHA-256 of the
 * payload's canonical JSON (sync-core `checksum`). `changeId` makes retries exactly-once.
 */
export const syncChangeSchema = z
  .strictObject({
    changeId: z.uuid().optional(),
    entityType: entityTypeSchema,
    entityId: entityIdSchema,
    operation: syncOperationSchema,
    payload: z.record(z.string(), z.unknown()).default({}),
    clientVersion: z.int().min(0).max(2_147_483_647),
    timestamp: z.iso.datetime({ offset: true }).refine(storableInstant, storableInstantMessage),
    checksum: checksumSchema.optional(),
  })
  .superRefine((change, ctx) => {
    for (const issue of payloadIssues(change.entityType, change.operation, change.payload)) {
      ctx.addIssue({ code: "custom", message: issue.message, path: ["payload", ...issue.path], input: change.payload });
    }
  });
export type SyncChange = z.infer<typeof syncChangeSchema>;
export type SyncChangeInput = z.input<typeof syncChangeSchema>;

/**
 * A change as the server sends it (push response and delta). `clientVersion` is the version the
 * client holds once it has applied the change; `payload` is the full entity (`{}` for DELETE);
 * `checksum` is the server's checksum of that payload (null for DELETE). Apply a change only if
 * its version is newer than the local one: pages may carry an entity's versions out of order.
 */
export const serverChangeSchema = z.object({
  entityType: entityTypeSchema,
  entityId: entityIdSchema,
  operation: syncOperationSchema,
  payload: entityDataSchema,
  clientVersion: z.int(),
  timestamp: isoDateTime,
  checksum: checksumSchema.nullable(),
});
export type ServerChange = z.infer<typeof serverChangeSchema>;
