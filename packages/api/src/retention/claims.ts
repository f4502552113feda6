import { type Db, sqlPoolOf } from "@fieldsync/db";

/**
 * Removes exactly-once claims (SyncQueue rows) of finished changes that arrived before `cutoff`:
 * applied (COMPLETED), CONFLICT, and FAILED for good (a retryable FAILED change keeps its payload,
 * see the queue_payload_while_pending migration). PENDING and SYNCING rows are never touched.
 * Walks arrival order (the seq index) `batchSize` rows per statement, so no push waits long behind
 * it, and stops at the first batch holding a claim younger than the cutoff (arrival order follows
 * time; the few out of order go on the next run). Returns how many were removed.
 */
export async function purgeClaims(db: Db, cutoff: Date, batchSize = 1000): Promise<number> {
  let purged = 0;
  let after = "-1";
  for (;;) {
    const [row] = await sqlPoolOf(db).query<{ last: string | null; young: number; n: number }>(
      `WITH batch AS (
         SELECT "id", "seq", "createdAt", "status", "payload" FROM "SyncQueue" WHERE "seq" > $1::bigint ORDER BY "seq" LIMIT $3),
       gone AS (
         DELETE FROM "SyncQueue" q USING batch b
         WHERE q."id" = b."id" AND b."createdAt" < $2::timestamp(3)
           AND (b."status" IN ('COMPLETED', 'CONFLICT') OR (b."status" = 'FAILED' AND b."payload" IS NULL))
         RETURNING 1)
       SELECT (SELECT max("seq")::text FROM batch) AS "last",
              (SELECT count(*)::int FROM batch WHERE "createdAt" >= $2::timestamp(3)) AS "young",
              (SELECT count(*)::int FROM gone) AS "n"`,
      [after, cutoff.toISOString(), batchSize],
    );
    purged += row!.n;
    if (row!.last === null || row!.young > 0) return purged;
    after = row!.last;
  }
}
