import { type Db, sqlPoolOf } from "@fieldsync/db";

/**
 * Removes the SyncMetadata tombstones of entities deleted before `cutoff`, `batchSize` rows per
 * statement so no push waits long behind it. A device that could still need one to learn of the
 * delete has a cursor before the delete's log row; once that row's week is dropped the device
 * predates the horizon and resets from a snapshot, which lists only live entities. Tombstones
 * carry no digest contribution (the digest triggers count live rows), so digests are unchanged.
 * Returns how many were removed.
 */
export async function purgeTombstones(db: Db, cutoff: Date, batchSize = 1000): Promise<number> {
  let purged = 0;
  for (;;) {
    const [row] = await sqlPoolOf(db).query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM "SyncMetadata" WHERE ("orgId", "entityType", "entityId") IN (
           SELECT "orgId", "entityType", "entityId" FROM "SyncMetadata" WHERE "deletedAt" < $1::timestamp(3) LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff.toISOString(), batchSize],
    );
    purged += row!.n;
    if (row!.n < batchSize) return purged;
  }
}
