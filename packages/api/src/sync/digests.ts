import { Prisma, type Db } from "@fieldsync/db";
import { type BucketDigest, type EntityRef, type EntityType, type ServerChange, type Subscription, type TypedBucket, entityTypes } from "@fieldsync/schema";
import { digestHex, topBucketDigits } from "@fieldsync/sync-core";
import { entityDataSql, table } from "./entities.ts";
import { type SnapshotRow, snapshotChange } from "./pull.ts";
import { scopeCondition } from "./scope.ts";

// The server's side of replica verification (docs/reliability.md "Verification and repair"):
// bucket digests, the (id, version, checksum) lists of buckets, and entities by id, always within
// the device's subscription. The digest's definition is sync-core's (digest.ts) and the
// migration's SQL functions.

/** What a device may see: its subscription and the types it keeps (pull-plan.ts planFrom). */
export interface DigestScope {
  orgId: string;
  subscription: Subscription | null;
  types: readonly EntityType[];
}

/**
 * Whether the device's view of `type` is narrower than the organization's (location scope):
 * exactly when scope.ts adds a condition for it.
 */
const narrowed = (scope: DigestScope, type: EntityType) => scopeCondition(scope.subscription, type) !== Prisma.empty;

/**
 * SyncMetadata rows `m` of the live entities of `type` the device keeps, with `h.hash` their id
 * hash; a location-scoped type joins its table (aliased `e`, as scopeCondition expects).
 */
const liveEntities = (scope: DigestScope, type: EntityType) => Prisma.sql`
  "SyncMetadata" m CROSS JOIN LATERAL (SELECT fieldsync_id_hash(m."entityId") AS hash) h
  ${narrowed(scope, type) ? Prisma.sql`JOIN ${table(type)} e ON e."orgId" = m."orgId" AND e."id" = m."entityId" ${scopeCondition(scope.subscription, type)}` : Prisma.empty}
  WHERE m."orgId" = ${scope.orgId} AND m."entityType" = ${type} AND m."deletedAt" IS NULL AND m."checksum" IS NOT NULL`;

interface DigestRow {
  bucket: string;
  digest: string;
  count: number;
}

const toDigest = (entityType: EntityType, row: DigestRow): BucketDigest => ({ entityType, bucket: row.bucket, digest: digestHex(BigInt(row.digest)), count: row.count });

/**
 * Folds the trigger-maintained contributions of an organization's types into one row per bucket
 * (concurrent writers' new rows are not visible to the DELETE and stay). Reading the digests does
 * it, and the worker's sweep too, so an organization whose devices never verify does not let the
 * table grow with every write.
 */
export async function foldDigestDeltas(db: Db, orgId: string, types: readonly EntityType[] = entityTypes): Promise<void> {
  await db.$executeRaw`
    WITH gone AS (DELETE FROM "SyncDigestDelta" WHERE "orgId" = ${orgId} AND "entityType" = ANY(${types}::text[])
                  RETURNING "entityType", "bucket", "checksumSum", "entities")
    INSERT INTO "SyncDigestDelta" ("orgId", "entityType", "bucket", "checksumSum", "entities")
    SELECT ${orgId}, "entityType", "bucket", fieldsync_digest_mod(sum("checksumSum")), sum("entities") FROM gone
    GROUP BY "entityType", "bucket" HAVING fieldsync_digest_mod(sum("checksumSum")) <> 0 OR sum("entities") <> 0`;
}

/** Top-level digests from the trigger-maintained contributions, folded first. */
async function storedDigests(db: Db, orgId: string, types: readonly EntityType[]): Promise<BucketDigest[]> {
  if (types.length === 0) return [];
  await foldDigestDeltas(db, orgId, types);
  const rows = await db.$queryRaw<(DigestRow & { entityType: EntityType })[]>`
    SELECT "entityType", lpad(to_hex("bucket"), 2, '0') AS bucket, fieldsync_digest_mod(sum("checksumSum"))::text AS digest, sum("entities")::int AS count
    FROM "SyncDigestDelta" WHERE "orgId" = ${orgId} AND "entityType" = ANY(${types}::text[])
    GROUP BY "entityType", "bucket" HAVING fieldsync_digest_mod(sum("checksumSum")) <> 0 OR sum("entities") <> 0
    ORDER BY 1, 2`;
  return rows.map((row) => toDigest(row.entityType, row));
}

/** Digests computed from SyncMetadata: the buckets one digit longer inside `parents` ("" for the top level). */
async function computedDigests(db: Db, scope: DigestScope, type: EntityType, parents: readonly string[]): Promise<BucketDigest[]> {
  const rows = await db.$queryRaw<DigestRow[]>`
    SELECT left(h.hash, greatest(length(p.parent) + 1, ${topBucketDigits}::int)) AS bucket,
           fieldsync_digest_mod(sum(fieldsync_checksum_value(m."checksum")))::text AS digest, count(*)::int AS count
    FROM unnest(${parents}::text[]) AS p(parent), ${liveEntities(scope, type)} AND starts_with(h.hash, p.parent)
    GROUP BY 1 ORDER BY 1`;
  return rows.map((row) => toDigest(type, row));
}

/**
 * The device's bucket digests: the top level, or the sub-buckets of `within`. The stored
 * top-level digests cover whole types; a type narrowed by location is summed on demand over the
 * entities the device keeps (one pass over the type's SyncMetadata rows).
 */
export async function bucketDigests(db: Db, scope: DigestScope, within?: readonly TypedBucket[]): Promise<BucketDigest[]> {
  const digests: BucketDigest[] = [];
  if (!within) {
    digests.push(...(await storedDigests(db, scope.orgId, scope.types.filter((type) => !narrowed(scope, type)))));
    for (const type of scope.types.filter((t) => narrowed(scope, t))) digests.push(...(await computedDigests(db, scope, type, [""])));
    return digests;
  }
  for (const type of scope.types) {
    const parents = within.filter((b) => b.entityType === type).map((b) => b.bucket);
    if (parents.length > 0) digests.push(...(await computedDigests(db, scope, type, parents)));
  }
  return digests;
}

/** Every live entity the device keeps in the named buckets, as (id, version, checksum). */
export async function bucketEntities(db: Db, scope: DigestScope, buckets: readonly TypedBucket[]) {
  const listed = [];
  for (const type of scope.types) {
    const prefixes = [...new Set(buckets.filter((b) => b.entityType === type).map((b) => b.bucket))];
    if (prefixes.length === 0) continue;
    const rows = await db.$queryRaw<{ bucket: string; id: string; version: number; checksum: string }[]>`
      SELECT p.prefix AS bucket, m."entityId" AS id, m."version", m."checksum"
      FROM unnest(${prefixes}::text[]) AS p(prefix), ${liveEntities(scope, type)} AND starts_with(h.hash, p.prefix)
      ORDER BY 1, 2`;
    for (const bucket of prefixes) {
      listed.push({ entityType: type, bucket, entities: rows.filter((r) => r.bucket === bucket).map(({ id, version, checksum }) => ({ id, version, checksum })) });
    }
  }
  return listed;
}

/** The current state of the named live entities the device keeps, as snapshot changes. */
export async function entitiesByRef(db: Db, scope: DigestScope, refs: readonly EntityRef[]): Promise<ServerChange[]> {
  const changes: ServerChange[] = [];
  for (const type of scope.types) {
    const ids = [...new Set(refs.filter((r) => r.entityType === type).map((r) => r.entityId))];
    if (ids.length === 0) continue;
    const rows = await db.$queryRaw<SnapshotRow[]>`
      SELECT e."id", ${await entityDataSql(db, type)} AS data, m."version", m."checksum", m."lastModifiedAt"
      FROM ${table(type)} e
      JOIN "SyncMetadata" m ON m."orgId" = e."orgId" AND m."entityType" = ${type} AND m."entityId" = e."id"
      WHERE e."orgId" = ${scope.orgId} AND e."id" = ANY(${ids}::text[]) ${scopeCondition(scope.subscription, type)}
      ORDER BY e."id"`;
    changes.push(...rows.map((row) => snapshotChange(type, row)));
  }
  return changes;
}
