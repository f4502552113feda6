import { type EntityRef, type EntityType, type Subscription, type TypedBucket, entityTypes, limits } from "@fieldsync/schema";
import { descentOf, digestsOf, entityDifferences, mismatchedBuckets, topBucketDigits, type DigestEntry } from "@fieldsync/sync-core";
import { ApiError, type ApiClient, NetworkError } from "./api-client.ts";
import type { LocalDb } from "./local-db.ts";
import { type Verification, readReplica, recordVerification, repairRows } from "./replica-verify.ts";
import { getMeta } from "./session-state.ts";

// Replica verification and repair (docs/reliability.md "Verification and repair"): compare the
// replica's bucket digests with the server's, descend into the buckets that differ, list only
// the smallest ones, re-download only the entities that differ. Nothing a device has not pushed
// yet is ever overwritten.

/**
 * The verification's requests only read, so a network failure is retried once at once: a pooled
 * keep-alive connection the server closed while the replica was being hashed fails the next POST
 * before it reaches the server (Node's fetch retries only idempotent methods by itself).
 */
const readOnly = <T>(call: () => Promise<T>): Promise<T> => call().catch((error: unknown) => (error instanceof NetworkError ? call() : Promise.reject(error)));

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** The smallest mismatched buckets under `mismatched`, one round trip per level. */
async function leafBuckets(api: ApiClient, deviceId: string, entries: readonly DigestEntry[], mismatched: Parameters<typeof descentOf>[0]) {
  const leaves: TypedBucket[] = [];
  for (let level = descentOf(mismatched); ; ) {
    leaves.push(...level.list);
    if (level.descend.length === 0) return leaves;
    const next = [];
    for (const within of chunks(level.descend, limits.maxDigestBuckets)) {
      next.push(...mismatchedBuckets(digestsOf(entries, within), (await readOnly(() => api.digests({ deviceId, within }))).buckets));
    }
    level = descentOf(next);
  }
}

/** Verifies the replica against the server and repairs what differs; records and returns the outcome. */
export async function verifyReplica(api: ApiClient, db: LocalDb, deviceId: string): Promise<Verification> {
  const types: readonly EntityType[] = (await getMeta<Subscription>(db, "subscription"))?.entityTypes ?? entityTypes;
  const { entries, seen } = await readReplica(db);
  const top = mismatchedBuckets(digestsOf(entries), (await readOnly(() => api.digests({ deviceId }))).buckets);
  const listed = [];
  for (const buckets of chunks(await leafBuckets(api, deviceId, entries, top), limits.maxDigestBuckets)) {
    listed.push(...(await readOnly(() => api.bucketEntities({ deviceId, buckets }))).buckets);
  }
  const { download, drop } = entityDifferences(entries, listed);
  const changes = [];
  for (const refs of chunks<EntityRef>(download, limits.maxEntityFetch)) changes.push(...(await readOnly(() => api.fetchEntities({ deviceId, refs }))).changes);
  const outcome = await repairRows(db, changes, drop, seen);
  const verification: Verification = {
    at: new Date().toISOString(),
    bucketsChecked: 16 ** topBucketDigits * types.length,
    mismatches: top.length,
    ...outcome,
    error: null,
  };
  await recordVerification(db, verification);
  return verification;
}

/** verifyReplica, recording why it stopped when it did (and rethrowing). */
export async function verifyAndRecord(api: ApiClient, db: LocalDb, deviceId: string): Promise<Verification> {
  try {
    return await verifyReplica(api, db, deviceId);
  } catch (error) {
    const code = error instanceof ApiError ? error.code : error instanceof NetworkError ? "NETWORK" : "ERROR";
    const message = error instanceof Error ? error.message : String(error);
    await recordVerification(db, { at: new Date().toISOString(), bucketsChecked: 0, mismatches: 0, repaired: 0, keptPending: 0, error: { code, message } });
    throw error;
  }
}
