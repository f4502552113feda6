import { z } from "zod";
import { type SyncOperation, syncOperationSchema } from "./enums.ts";
import { entityIdSchema, isoDateTime, storableInstant, storableInstantMessage } from "./fields.ts";
import { changePayloadSchema, entityDataSchema } from "./payload.ts";
import { type EntityType, entityTypeSchema, entityTypes } from "./registry.ts";

export const checksumSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256")
  .meta({ examples: ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"] });

const changeEnvelope = {
  changeId: z.uuid().optional(),
  entityId: entityIdSchema,
  clientVersion: z.int().min(0).max(2_147_483_647),
  timestamp: z.iso.datetime({ offset: true }).refine(storableInstant, storableInstantMessage),
  checksum: checksumSchema.optional(),
};

/**
 * One change a client pushes, one variant per entity type and operation, each with its payload
 * schema (`changePayloadSchema`). The server validates with exactly these schemas, and the OpenAPI
 * document is generated from them, so a client built from the document sends what the server takes.
 * `clientVersion` is the server version the client's edit is based on (0 or any value for CREATE,
 * which has no base). `checksum`, when sent, must be the SHA-256 of the payload's canonical JSON
 * (sync-core `checksum`). `changeId` makes retries exactly-once.
 */
export const syncChangeVariants = entityTypes.flatMap((type) =>
  syncOperationSchema.options.map((operation) => ({
    type,
    operation,
    schema: z.strictObject({
      ...changeEnvelope,
      entityType: z.literal(type),
      operation: z.literal(operation),
      payload: changePayloadSchema(type, operation),
    }),
  })),
);

export const syncChangeSchema = z.discriminatedUnion(
  "entityType",
  entityTypes.map((type) =>
    z.discriminatedUnion(
      "operation",
      syncChangeVariants.filter((variant) => variant.type === type).map((variant) => variant.schema) as unknown as [ChangeVariant, ...ChangeVariant[]],
    ),
  ) as unknown as [ChangeVariantUnion, ...ChangeVariantUnion[]],
);
type ChangeVariant = z.ZodObject<typeof changeEnvelope & { entityType: z.ZodLiteral<EntityType>; operation: z.ZodLiteral<SyncOperation>; payload: z.ZodType<Record<string, unknown>> }>;
type ChangeVariantUnion = z.ZodDiscriminatedUnion<[ChangeVariant, ...ChangeVariant[]], "operation">;
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
