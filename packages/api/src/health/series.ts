import type { Db } from "@fieldsync/db";
import type { HealthBucket } from "@fieldsync/schema";

/** Buckets per chart, whatever the range: 6 h gives 10-minute buckets. */
export const bucketCount = 36;

interface BucketRow {
  start: Date;
  backlog: bigint;
  processed: bigint;
  conflicts: bigint;
  failed: bigint;
  syncs: bigint;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * The organization's last `hours` in `bucketCount` buckets aligned to the epoch (so a bucket keeps
 * its boundaries between refreshes); the last bucket ends now. Each bucket is [start, end):
 * - backlog: changes created by its end and not processed by then (SyncQueue createdAt/processedAt);
 * - processed, conflicts, failed: changes whose processing ended in it, by final status — the
 *   same counts the HighConflictRate and SyncFailures alerts judge;
 * - syncs and duration percentiles: successful push and pull requests started in it (SyncRun).
 */
export async function healthSeries(db: Db, orgId: string, hours: number, now: Date): Promise<{ bucketSeconds: number; buckets: HealthBucket[] }> {
  const bucketMs = (hours * 3_600_000) / bucketCount;
  const end = Math.ceil(now.getTime() / bucketMs) * bucketMs;
  const start = new Date(end - hours * 3_600_000);
  const rows = await db.$queryRaw<BucketRow[]>`
    WITH bucket AS (
      SELECT i, ${start}::timestamp + i * ${bucketMs}::float8 * interval '1 millisecond' AS "start",
             least(${start}::timestamp + (i + 1) * ${bucketMs}::float8 * interval '1 millisecond', ${now}::timestamp) AS "end"
      FROM generate_series(0, ${bucketCount - 1}::int) AS i
    ), queue AS MATERIALIZED (
      SELECT "createdAt", "processedAt", "status" FROM "SyncQueue"
      WHERE "orgId" = ${orgId} AND "createdAt" < ${now}::timestamp AND ("processedAt" IS NULL OR "processedAt" >= ${start}::timestamp)
    ), changes AS (
      SELECT b.i,
             count(q."createdAt") FILTER (WHERE q."processedAt" IS NULL OR q."processedAt" >= b."end") AS backlog,
             count(q."createdAt") FILTER (WHERE q."processedAt" >= b."start" AND q."processedAt" < b."end") AS processed,
             count(q."createdAt") FILTER (WHERE q."processedAt" >= b."start" AND q."processedAt" < b."end" AND q."status" = 'CONFLICT') AS conflicts,
             count(q."createdAt") FILTER (WHERE q."processedAt" >= b."start" AND q."processedAt" < b."end" AND q."status" = 'FAILED') AS failed
      -- count(q.…) skips the empty row LEFT JOIN makes for a bucket without changes.
      FROM bucket b LEFT JOIN queue q ON q."createdAt" < b."end"
      GROUP BY b.i
    ), runs AS (
      SELECT b.i, count(r."id") AS syncs,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY r."durationMs") AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY r."durationMs") AS p95,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY r."durationMs") AS p99
      FROM bucket b LEFT JOIN "SyncRun" r ON r."orgId" = ${orgId} AND r."startedAt" >= b."start" AND r."startedAt" < b."end"
      GROUP BY b.i
    )
    SELECT b."start", c.backlog, c.processed, c.conflicts, c.failed, r.syncs, r.p50, r.p95, r.p99
    FROM bucket b JOIN changes c USING (i) JOIN runs r USING (i)
    ORDER BY b.i`;
  const rate = (part: bigint, whole: bigint) => (whole > 0n ? Number(part) / Number(whole) : null);
  return {
    bucketSeconds: bucketMs / 1000,
    buckets: rows.map((row) => ({
      start: row.start.toISOString(),
      backlog: Number(row.backlog),
      processed: Number(row.processed),
      conflicts: Number(row.conflicts),
      failed: Number(row.failed),
      conflictRate: rate(row.conflicts, row.processed),
      failureRate: rate(row.failed, row.processed),
      syncs: Number(row.syncs),
      durationMs: row.p50 === null ? null : { p50: row.p50, p95: row.p95!, p99: row.p99! },
    })),
  };
}
