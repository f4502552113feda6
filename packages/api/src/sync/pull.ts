import { Prisma, type Db } from "@fieldsync/db";
import type { EntityData, EntityRef, EntityType, ServerChange, Subscription, SyncOperation } from "@fieldsync/schema";
import type { Cursor } from "./cursor.ts";
import { entityDataSql, table } from "./entities.ts";
import { filterToScope, scopeCondition } from "./scope.ts";

export interface PullInput {
  orgId: string;
  types: readonly EntityType[];
  /** Null: start an initial sync (snapshot), or from `after` when given. */
  cursor: Cursor | null;
  /** lastSyncTimestamp of clients without a token: log entries written after this instant. */
  after?: string;
  limit: number;
  /**
   * Leave out changes this device made itself (it has them already), except deletes it did not
   * ask for: deleting an asset cascades to its tasks and schedules in the same transaction, under
   * the device's name, and the device knows nothing of those tombstones unless they travel to it.
   */
  excludeClientId?: string;
  /** The device's subscription; null or absent: everything of `types`. */
  subscription?: Subscription | null;
}

export interface PullPage {
  changes: ServerChange[];
  cursor: Cursor;
  hasMore: boolean;
  progress: { sent: number; total: number } | null;
  /** Entities that left the subscription in this page of the log. */
  evict: EntityRef[];
}

/** A ChangeLog row as pulls (and live events) hand it out. */
export interface LogRow {
  txid: string;
  seq: string;
  entityType: EntityType;
  entityId: string;
  operation: SyncOperation;
  version: number;
  checksum: string | null;
  data: EntityData | null;
  createdAt: Date;
}

/** A log row as a device receives it. */
export const pulledChange = (row: LogRow): ServerChange => ({
  entityType: row.entityType,
  entityId: row.entityId,
  operation: row.operation,
  payload: row.data ?? {},
  clientVersion: row.version,
  timestamp: row.createdAt.toISOString(),
  checksum: row.checksum,
});

/**
 * One page of changes after `cursor`. Log rows are handed out in (txid, seq) order and only below
 * the oldest transaction of this database still running (`fieldsync_delta_fence`, see its
 * migration): any transaction that commits later has a txid at or above that fence, so it lands
 * after the cursor and is never skipped.
 *
 * The same statement finds the last log row below that fence (`end`): when the page is not full,
 * every row up to `end` was either delivered or filtered out (the device's own changes, other
 * types), so the cursor moves there. Otherwise a device that only pushes would re-read all its
 * own changes since the last one from elsewhere on every sync.
 */
async function logPage(db: Db, input: PullInput, cursor: Extract<Cursor, { mode: "log" }>, limit: number): Promise<PullPage> {
  const after = Prisma.sql`"orgId" = ${input.orgId} AND ("txid", "seq") > (${cursor.txid}::xid8, ${cursor.seq}::bigint)
      AND "txid" < (SELECT "xid" FROM fence)`;
  const rows = await db.$queryRaw<(LogRow & { endTxid: string; endSeq: string })[]>`
    WITH fence AS MATERIALIZED (SELECT fieldsync_delta_fence() AS "xid"),
    page AS (
      SELECT "txid", "seq", "entityType", "entityId", "operation", "version", "checksum", "data", "createdAt"
      FROM "ChangeLog"
      WHERE ${after}
        AND "entityType" = ANY(${input.types}::text[])
        ${cursor.after ? Prisma.sql`AND "createdAt" > ${new Date(cursor.after)}` : Prisma.empty}
        ${input.excludeClientId ? Prisma.sql`AND ("originClientId" IS DISTINCT FROM ${input.excludeClientId} OR ("operation" = 'DELETE' AND NOT EXISTS (
          SELECT 1 FROM "SyncQueue" q WHERE q."clientId" = ${input.excludeClientId} AND q."entityType" = "ChangeLog"."entityType"
            AND q."entityId" = "ChangeLog"."entityId" AND q."operation" = 'DELETE')))` : Prisma.empty}
      ORDER BY "txid", "seq"
      LIMIT ${limit + 1}
    ),
    "end" AS (SELECT "txid", "seq" FROM "ChangeLog" WHERE ${after} ORDER BY "txid" DESC, "seq" DESC LIMIT 1)
    SELECT e."txid"::text AS "endTxid", e."seq"::text AS "endSeq", p."txid"::text, p."seq"::text, p."entityType", p."entityId",
           p."operation", p."version", p."checksum", p."data", p."createdAt"
    FROM "end" e LEFT JOIN page p ON true
    ORDER BY p."txid", p."seq"`;
  const found = rows.filter((row) => row.txid !== null);
  const page = found.slice(0, limit);
  const hasMore = found.length > limit;
  const last = hasMore ? page.at(-1) : rows[0] && { txid: rows[0].endTxid, seq: rows[0].endSeq };
  // The cursor moves past every row read, delivered or not: filtering never reopens a gap.
  const { kept, evict } = await filterToScope(db, input.orgId, input.subscription ?? null, page);
  return {
    changes: kept.map(pulledChange),
    cursor: last ? { ...cursor, txid: last.txid, seq: last.seq } : cursor,
    hasMore,
    progress: null,
    evict,
  };
}

/** An entity's current row as a snapshot sends it: a CREATE at its version. */
export const snapshotChange = (type: EntityType, row: SnapshotRow): ServerChange => ({
  entityType: type,
  entityId: row.id,
  operation: "CREATE",
  payload: row.data,
  clientVersion: row.version,
  timestamp: row.lastModifiedAt.toISOString(),
  checksum: row.checksum,
});

export interface SnapshotRow {
  id: string;
  data: EntityData;
  version: number;
  checksum: string;
  lastModifiedAt: Date;
}

async function startSnapshot(db: Db, input: PullInput): Promise<Extract<Cursor, { mode: "snapshot" }>> {
  const [fence] = await db.$queryRaw<{ xmin: string }[]>`SELECT fieldsync_delta_fence()::text AS xmin`;
  let total = 0;
  for (const type of input.types) {
    const [row] = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM ${table(type)} e WHERE e."orgId" = ${input.orgId} ${scopeCondition(input.subscription ?? null, type)}`;
    total += Number(row!.n);
  }
  return { mode: "snapshot", fence: fence!.xmin, typeIndex: 0, lastId: "", sent: 0, total };
}

/**
 * Initial sync: current entities type by type, in id order, each with its version. Then the log
 * from the snapshot's fence: every change that may have happened while the pages were read is
 * replayed, and the client's "newer version wins" rule makes the overlap harmless.
 */
async function snapshotPage(db: Db, input: PullInput, start: Extract<Cursor, { mode: "snapshot" }>): Promise<PullPage> {
  const changes: ServerChange[] = [];
  let cursor = start;
  while (cursor.typeIndex < input.types.length) {
    const type = input.types[cursor.typeIndex]!;
    const room = input.limit - changes.length;
    // The previous type filled the page exactly: resume with this one next time.
    if (room === 0) return { changes, cursor, hasMore: true, progress: { sent: cursor.sent, total: Math.max(cursor.total, cursor.sent) }, evict: [] };
    const rows = await db.$queryRaw<SnapshotRow[]>`
      SELECT e."id", ${await entityDataSql(db, type)} AS data,
             m."version", m."checksum", m."lastModifiedAt"
      FROM ${table(type)} e
      JOIN "SyncMetadata" m ON m."orgId" = e."orgId" AND m."entityType" = ${type} AND m."entityId" = e."id"
      WHERE e."orgId" = ${input.orgId} AND e."id" > ${cursor.lastId} ${scopeCondition(input.subscription ?? null, type)}
      ORDER BY e."id" LIMIT ${room + 1}`;
    const page = rows.slice(0, room);
    for (const row of page) changes.push(snapshotChange(type, row));
    const sent = cursor.sent + page.length;
    if (rows.length > room) {
      const next = { ...cursor, lastId: page.at(-1)!.id, sent };
      return { changes, cursor: next, hasMore: true, progress: { sent, total: Math.max(cursor.total, sent) }, evict: [] };
    }
    cursor = { ...cursor, typeIndex: cursor.typeIndex + 1, lastId: "", sent };
  }
  const log = await logPage(db, input, { mode: "log", txid: cursor.fence, seq: "-1", after: null }, input.limit - changes.length);
  return { ...log, changes: [...changes, ...log.changes], progress: { sent: cursor.sent, total: cursor.sent } };
}

export async function pull(db: Db, input: PullInput): Promise<PullPage> {
  const cursor = input.cursor ??
    (input.after ? { mode: "log" as const, txid: "0", seq: "0", after: input.after } : await startSnapshot(db, input));
  return cursor.mode === "snapshot" ? snapshotPage(db, input, cursor) : logPage(db, input, cursor, input.limit);
}
