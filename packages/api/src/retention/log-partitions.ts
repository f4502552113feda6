import { type Db, sqlPoolOf } from "@fieldsync/db";

// The change log's weekly partitions (migration 20261201000200_change_log_horizon): created ahead
// of the clock, and dropped whole once older than the horizon. Every step is idempotent and safe
// to run from several workers at once; a step interrupted by a crash is finished by the next run.

/** Weeks kept ready ahead of the clock: a write to a week without a partition fails. */
export const weeksAhead = 4;

/** Creates this week's partition and the next `weeksAhead` ones where missing (SHARE UPDATE EXCLUSIVE only). */
export async function ensureLogPartitions(db: Db): Promise<void> {
  await sqlPoolOf(db).query(`SELECT fieldsync_log_partitions_ahead(${weeksAhead})`);
}

export interface Partition {
  name: string;
  /** Exclusive upper bound of its createdAt range (UTC). */
  upper: Date;
  /** A DETACH ... CONCURRENTLY that did not finish (its session ended). */
  detachPending: boolean;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const upperBound = /TO \('([^']+)'\)/;

async function logPartitions(db: Db): Promise<Partition[]> {
  const rows = await sqlPoolOf(db).query<{ name: string; bound: string; pending: boolean }>(
    `SELECT c."relname" AS "name", pg_get_expr(c."relpartbound", c."oid") AS "bound", i."inhdetachpending" AS "pending"
     FROM pg_inherits i JOIN pg_class c ON c."oid" = i."inhrelid"
     WHERE i."inhparent" = '"ChangeLog"'::regclass`,
  );
  return rows.flatMap((row) => {
    const upper = upperBound.exec(row.bound)?.[1];
    return upper ? [{ name: row.name, upper: new Date(`${upper.replace(" ", "T")}Z`), detachPending: row.pending }] : [];
  });
}

/**
 * Records, for every organization with rows in the partition, the last position among them and the
 * partition's upper bound, keeping the later of old and new. Done while the rows are still
 * readable and before they leave the log, so a cursor is never checked against a stale horizon.
 * A skip scan of the partition's (orgId, txid, seq) index: one descent per organization, so the
 * cost follows the number of organizations, not of rows.
 */
async function recordHorizon(db: Db, partition: Partition): Promise<void> {
  const part = quote(partition.name);
  await sqlPoolOf(db).query(
    `WITH RECURSIVE orgs AS (
       (SELECT "orgId" FROM ${part} ORDER BY "orgId" LIMIT 1)
       UNION ALL
       SELECT (SELECT p."orgId" FROM ${part} p WHERE p."orgId" > orgs."orgId" ORDER BY p."orgId" LIMIT 1) FROM orgs WHERE orgs."orgId" IS NOT NULL)
     INSERT INTO "SyncLogHorizon" AS h ("orgId", "txid", "seq", "before", "updatedAt")
     SELECT o."orgId", last."txid"::text::bigint, last."seq", $1::timestamp(3), now() AT TIME ZONE 'UTC'
     FROM orgs o CROSS JOIN LATERAL (
       SELECT p."txid", p."seq" FROM ${part} p WHERE p."orgId" = o."orgId" ORDER BY p."txid" DESC, p."seq" DESC LIMIT 1) last
     WHERE o."orgId" IS NOT NULL
     ON CONFLICT ("orgId") DO UPDATE SET
       "txid" = CASE WHEN (h."txid", h."seq") < (EXCLUDED."txid", EXCLUDED."seq") THEN EXCLUDED."txid" ELSE h."txid" END,
       "seq" = CASE WHEN (h."txid", h."seq") < (EXCLUDED."txid", EXCLUDED."seq") THEN EXCLUDED."seq" ELSE h."seq" END,
       "before" = GREATEST(h."before", EXCLUDED."before"),
       "updatedAt" = EXCLUDED."updatedAt"`,
    [partition.upper.toISOString()],
  );
}

/** The partitions whose whole range ends at or before `cutoff`. */
export const logPartitionsBefore = async (db: Db, cutoff: Date): Promise<Partition[]> =>
  (await logPartitions(db)).filter((partition) => partition.upper <= cutoff);

/**
 * Takes a week out of the log: its horizon recorded, then `DETACH PARTITION ... CONCURRENTLY`,
 * which waits for the queries reading it and blocks no push or pull (ChangeLog itself only takes
 * SHARE UPDATE EXCLUSIVE). Neither step reads the week's rows one by one.
 */
export async function detachLogPartition(db: Db, partition: Partition): Promise<void> {
  await recordHorizon(db, partition);
  // No parameters: node-postgres sends it in the simple protocol, outside any transaction block.
  const detach = partition.detachPending ? "FINALIZE" : "CONCURRENTLY";
  await sqlPoolOf(db).query(`ALTER TABLE "ChangeLog" DETACH PARTITION ${quote(partition.name)} ${detach}`);
}

/** Drops a detached week: no longer part of ChangeLog, so nothing a sync does waits for it. */
export async function dropDetachedPartition(db: Db, name: string): Promise<void> {
  await sqlPoolOf(db).query(`DROP TABLE IF EXISTS ${quote(name)}`);
}

/**
 * Drops every partition whose whole range ends at or before `cutoff` (detachLogPartition, then
 * dropDetachedPartition), and any week a run that stopped between the two left detached (its
 * horizon was recorded before the detach). Returns the partitions dropped.
 */
export async function dropLogPartitionsBefore(db: Db, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const partition of await logPartitionsBefore(db, cutoff)) {
    await detachLogPartition(db, partition);
    await dropDetachedPartition(db, partition.name);
    dropped.push(partition.name);
  }
  const orphans = await sqlPoolOf(db).query<{ name: string }>(
    `SELECT "relname" AS "name" FROM pg_class WHERE "relname" LIKE 'ChangeLog\\_w%' AND "relkind" = 'r' AND NOT "relispartition"`,
  );
  for (const { name } of orphans) {
    await dropDetachedPartition(db, name);
    dropped.push(name);
  }
  return dropped;
}
