import { z } from "zod";
import { checksumSchema, serverChangeSchema } from "./change.ts";
import { deviceIdSchema } from "./device.ts";
import { limits } from "./limits.ts";
import { entityTypeSchema } from "./registry.ts";
import { entityRefSchema } from "./subscription.ts";

// Replica verification (docs/reliability.md "Verification and repair"; the digest itself is
// defined in @fieldsync/sync-core digest.ts). A bucket is a prefix of the SHA-256 (hex) of entity
// ids: two digits for the 256 top-level buckets, one more digit per level below.

/** A bucket: 2 to 8 lowercase hex digits (a prefix of the entity id's SHA-256). */
export const bucketSchema = z.string().regex(/^[0-9a-f]{2,8}$/, "2 to 8 lowercase hex digits").meta({ examples: ["a3"] });

/** A bucket of one entity type. */
export const typedBucketSchema = z.strictObject({ entityType: entityTypeSchema, bucket: bucketSchema });
export type TypedBucket = z.infer<typeof typedBucketSchema>;

/** A bucket whose 16 sub-buckets are asked for: 2 to 7 digits (the deepest bucket has 8). */
const parentBucketSchema = z.strictObject({ entityType: entityTypeSchema, bucket: z.string().regex(/^[0-9a-f]{2,7}$/, "2 to 7 lowercase hex digits").meta({ examples: ["a3"] }) });

/**
 * POST /api/sync/digests: the digests of the 256 top-level buckets of every type the device's
 * subscription keeps; with `within`, of the 16 buckets one digit longer inside each named bucket
 * (the next level of a verification's descent; a bucket of 8 digits has none).
 */
export const digestsBodySchema = z.strictObject({
  deviceId: deviceIdSchema,
  within: z.array(parentBucketSchema).min(1).max(limits.maxDigestBuckets).optional(),
});
export type DigestsBody = z.infer<typeof digestsBodySchema>;

export const bucketDigestSchema = z.object({
  entityType: entityTypeSchema,
  bucket: bucketSchema,
  /** Sum of the bucket's live entities' digest values modulo 2^64, 16 hex digits. */
  digest: z.string().regex(/^[0-9a-f]{16}$/).meta({ examples: ["0f3c9a71d2e84b60"] }),
  /** Live entities in the bucket. */
  count: z.int(),
});
export type BucketDigest = z.infer<typeof bucketDigestSchema>;

export const digestsResponseSchema = z.object({
  /** Non-empty buckets only: a bucket not listed holds nothing (digest 0, count 0). */
  buckets: z.array(bucketDigestSchema),
});
export type DigestsResponse = z.infer<typeof digestsResponseSchema>;

/** POST /api/sync/digests/entities: every live entity of the named buckets, as `(id, version, checksum)`. */
export const bucketEntitiesBodySchema = z.strictObject({
  deviceId: deviceIdSchema,
  buckets: z.array(typedBucketSchema).min(1).max(limits.maxDigestBuckets),
});
export type BucketEntitiesBody = z.infer<typeof bucketEntitiesBodySchema>;

export const bucketEntitiesResponseSchema = z.object({
  buckets: z.array(
    z.object({
      entityType: entityTypeSchema,
      bucket: bucketSchema,
      entities: z.array(z.object({ id: z.string(), version: z.int(), checksum: checksumSchema })),
    }),
  ),
});
export type BucketEntitiesResponse = z.infer<typeof bucketEntitiesResponseSchema>;

/**
 * POST /api/sync/entities: the current state of named entities, as snapshot changes (a device
 * repairing its replica). Entities that do not exist, are deleted or are outside the device's
 * subscription are left out.
 */
export const fetchEntitiesBodySchema = z.strictObject({
  deviceId: deviceIdSchema,
  refs: z.array(entityRefSchema).min(1).max(limits.maxEntityFetch),
});
export type FetchEntitiesBody = z.infer<typeof fetchEntitiesBodySchema>;

export const fetchEntitiesResponseSchema = z.object({ changes: z.array(serverChangeSchema) });
export type FetchEntitiesResponse = z.infer<typeof fetchEntitiesResponseSchema>;
