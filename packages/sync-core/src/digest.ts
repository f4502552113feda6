import type { BucketDigest, EntityType, TypedBucket } from "@fieldsync/schema";
import { entityKey } from "./entity-key.ts";

// Replica verification (docs/reliability.md "Verification and repair"). Server and clients sum
// the same numbers per bucket; the database's copy of these definitions is the sync-digests
// migration (fieldsync_id_hash, fieldsync_checksum_value, fieldsync_digest_mod).
//
// - An entity's bucket is a prefix of the SHA-256 of its id (UTF-8, lowercase hex): two hex
//   digits (256 buckets) at the top level, one more digit per level below.
// - Its digest value is the first 16 hex digits of its checksum, an unsigned 64-bit number.
// - A bucket's digest is the sum of its live entities' values modulo 2^64 (order-independent,
//   and one write changes it by a difference), sent as 16 hex digits, with the entities' count.

/** Hex digits of a top-level bucket (256 buckets). */
export const topBucketDigits = 2;
/** Deepest bucket a verification descends to (hash prefixes are drawn from 64 digits). */
export const maxBucketDigits = 8;

const modulus = 1n << 64n;

/** An entity's digest value (see above). */
export const checksumValue = (checksum: string): bigint => BigInt(`0x${checksum.slice(0, 16)}`);

/** A digest as it travels: 16 lowercase hex digits. */
export const digestHex = (value: bigint): string => (((value % modulus) + modulus) % modulus).toString(16).padStart(16, "0");

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");

/** SHA-256 of an entity id, lowercase hex; its prefixes are the id's buckets. */
export async function idHash(id: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
}

/** One live entity as a verification compares it. */
export interface DigestEntry {
  type: EntityType;
  id: string;
  /** idHash(id). */
  hash: string;
  version: number;
  checksum: string;
}

export const bucketKey = (type: EntityType, bucket: string) => `${type}:${bucket}`;

/**
 * The digests over `entries` of the top-level buckets, or with `within` of the buckets one digit
 * longer inside each named bucket. Empty buckets are left out, as the server leaves them out.
 */
export function digestsOf(entries: readonly DigestEntry[], within?: readonly TypedBucket[]): Map<string, BucketDigest> {
  const parents = new Set(within?.map((b) => bucketKey(b.entityType, b.bucket)));
  const lengths = [...new Set(within?.map((b) => b.bucket.length))];
  const sums = new Map<string, { entityType: EntityType; bucket: string; sum: bigint; count: number }>();
  for (const entry of entries) {
    const parent = within ? lengths.find((length) => parents.has(bucketKey(entry.type, entry.hash.slice(0, length)))) : topBucketDigits - 1;
    if (parent === undefined) continue;
    const bucket = entry.hash.slice(0, parent + 1);
    const key = bucketKey(entry.type, bucket);
    const sum = sums.get(key) ?? { entityType: entry.type, bucket, sum: 0n, count: 0 };
    sum.sum = (sum.sum + checksumValue(entry.checksum)) % modulus;
    sum.count++;
    sums.set(key, sum);
  }
  return new Map([...sums].map(([key, s]) => [key, { entityType: s.entityType, bucket: s.bucket, digest: digestHex(s.sum), count: s.count }]));
}

/**
 * Buckets whose digest or count differs between the two sides (a bucket only one side has
 * differs), each with the larger of its two counts: what a closer look would have to list.
 */
export function mismatchedBuckets(local: ReadonlyMap<string, BucketDigest>, server: readonly BucketDigest[]) {
  const remote = new Map(server.map((d) => [bucketKey(d.entityType, d.bucket), d]));
  const mismatched: { entityType: EntityType; bucket: string; count: number }[] = [];
  for (const key of new Set([...local.keys(), ...remote.keys()])) {
    const mine = local.get(key);
    const theirs = remote.get(key);
    if (mine?.digest === theirs?.digest && mine?.count === theirs?.count) continue;
    const { entityType, bucket } = (mine ?? theirs)!;
    mismatched.push({ entityType, bucket, count: Math.max(mine?.count ?? 0, theirs?.count ?? 0) });
  }
  return mismatched.sort((a, b) => bucketKey(a.entityType, a.bucket).localeCompare(bucketKey(b.entityType, b.bucket)));
}

/** A mismatched bucket holding more entities than this is looked into (its sub-buckets) before it is listed. */
export const listAtMost = 8;

/**
 * Splits mismatched buckets: those to list entity by entity (`list`), and those to descend into
 * first (`descend`: large, and not yet at the deepest level), so that a repair moves about a
 * level of digests and a short list per differing entity rather than whole buckets.
 */
export function descentOf(mismatched: readonly { entityType: EntityType; bucket: string; count: number }[]) {
  const deeper = (b: { bucket: string; count: number }) => b.count > listAtMost && b.bucket.length < maxBucketDigits;
  const strip = ({ entityType, bucket }: { entityType: EntityType; bucket: string }): TypedBucket => ({ entityType, bucket });
  return { descend: mismatched.filter(deeper).map(strip), list: mismatched.filter((b) => !deeper(b)).map(strip) };
}

/** A server entity of a listed bucket. */
export interface ListedEntity {
  id: string;
  version: number;
  checksum: string;
}

/**
 * What repairing listed buckets takes: the server's entities this replica lacks or holds at
 * another version or checksum (`download`), and the replica's live entities in those buckets the
 * server does not have live (`drop`).
 */
export function entityDifferences(local: readonly DigestEntry[], listed: readonly { entityType: EntityType; bucket: string; entities: readonly ListedEntity[] }[]) {
  const mine = new Map(local.map((entry) => [entityKey(entry.type, entry.id), entry]));
  const download: { entityType: EntityType; entityId: string }[] = [];
  const drop: { entityType: EntityType; entityId: string }[] = [];
  const seen = new Set<string>();
  for (const { entityType, bucket, entities } of listed) {
    for (const entity of entities) {
      const key = entityKey(entityType, entity.id);
      seen.add(key);
      const held = mine.get(key);
      if (held?.version !== entity.version || held.checksum !== entity.checksum) download.push({ entityType, entityId: entity.id });
    }
    for (const entry of local) {
      if (entry.type === entityType && entry.hash.startsWith(bucket) && !seen.has(entityKey(entry.type, entry.id))) {
        drop.push({ entityType, entityId: entry.id });
      }
    }
  }
  return { download, drop };
}
