import { Prisma, type Db, sqlPoolOf } from "@fieldsync/db";
import type { EntityData, EntityRef, EntityType, ServerChange, Subscription, SyncOperation } from "@fieldsync/schema";
import type { Cursor, PullInput, RenderedPage } from "../pages.ts";
import { entityDataSql, table } from "./entities.ts";
import { joinJsonArrays } from "./json-text.ts";
import { filterToScope, scopeCondition } from "./scope.ts";

export type { PullInput, RenderedPage };

export type PullPage = Omit<RenderedPage, "changes"> & { changes: ServerChange[] };

/** A ChangeLog row as live events hand it out. */
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

/** A log row as a device receives it (live events; pages render the same shape in SQL, logChangeText). */
export const pulledChange = (row: LogRow): ServerChange => ({
  entityType: row.entityType,
  entityId: row.entityId,
  operation: row.operation,
  payload: row.data ?? {},
  clientVersion: row.version,
  timestamp: row.createdAt.toISOString(),
  checksum: row.checksum,
});

// Date#toISOString's format; timestamps are stored in UTC without a zone (Prisma's DateTime).
const isoInstant = (column: Prisma.Sql) => Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A ServerChange as JSON text, rendered by PostgreSQL from its parts (`payload` jsonb, none null:
 * a null would blank the whole text). Concatenated, and aggregated with string_agg, rather than
 * json_build_object'ed and json_agg'ed: those built each row as a json value and copied it again
 * into the array, a third of a 1000-row log page's statement. The property test in
 * pull-render.test.ts holds the text to serverChangeSchema and to Node's rendering.
 */
const changeText = (c: { type: Prisma.Sql; id: Prisma.Sql; operation: Prisma.Sql; payload: Prisma.Sql; version: Prisma.Sql; at: Prisma.Sql; checksum: Prisma.Sql }) =>
  Prisma.sql`'{"entityType":' || to_json(${c.type}) || ',"entityId":' || to_json(${c.id}) || ',"operation":' || to_json(${c.operation})
    || ',"payload":' || ${c.payload}::text || ',"clientVersion":' || ${c.version} || ',"timestamp":"' || ${isoInstant(c.at)}
    || '","checksum":' || coalesce(to_json(${c.checksum})::text, 'null') || '}'`;

/** Rendered changes (changeText) of the rows of `from` as one JSON array text. */
const changesArray = (change: Prisma.Sql, from: Prisma.Sql) => Prisma.sql`(SELECT '[' || coalesce(string_agg(${change}, ','), '') || ']' FROM ${from})`;

/** A ChangeLog row aliased `p` as pulledChange renders it. */
const logChangeText = changeText({
  type: Prisma.sql`p."entityType"`,
  id: Prisma.sql`p."entityId"`,
  operation: Prisma.sql`p."operation"`,
  payload: Prisma.sql`coalesce(p."data", '{}'::jsonb)`,
  version: Prisma.sql`p."version"`,
  at: Prisma.sql`p."createdAt"`,
  checksum: Prisma.sql`p."checksum"`,
});

const query = async <T>(db: Db, sql: Prisma.Sql) => sqlPoolOf(db).query<T>(sql.text, sql.values);

interface LogPageHead {
  found: number;
  endTxid: string | null;
  endSeq: string | null;
}

/**
 * The statement of a log page: rows after `cursor`, handed out in (txid, seq) order and only below
 * the oldest transaction of this database still running (`fieldsync_delta_fence`, see its
 * migration): any transaction that commits later has a txid at or above that fence, so it lands
 * after the cursor and is never skipped. `page` holds up to limit + 1 rows (the extra one says
 * "more") numbered in that order, `sent` the first `limit`. Aggregates read `sent` in the order
 * it was materialized (a CTE scan keeps it): an ORDER BY inside the aggregate sorted the page's wide
 * rows again, spilling to disk at 5,000 rows and costing more than the page's whole read.
 *
 * The cursor reaches the planner as a parameter (`from`), not as its value: pulls read the log's
 * tail, past the statistics of its last ANALYZE, where the value would make the planner expect no
 * row at all; on the weekly partitions it then sorted every row after the cursor for each page
 * instead of merging the partitions' index order and stopping after limit + 1 (log-page-plan.test.ts).
 * The rows are numbered after the LIMIT for the same reason: a window over the LIMIT's input made
 * that sort unbounded.
 *
 * It also finds the last log row below that fence (`end`): when the page is not full, every row
 * up to `end` was either delivered or filtered out (the device's own changes, other types), so the
 * cursor moves there. Otherwise a device that only pushes would re-read all its own changes since
 * the last one from elsewhere on every sync.
 */
function logPageSql(input: PullInput, cursor: Extract<Cursor, { mode: "log" }>, limit: number, select: Prisma.Sql): Prisma.Sql {
  const after = Prisma.sql`"orgId" = ${input.orgId} AND ("txid", "seq") > ((SELECT "txid" FROM "from"), (SELECT "seq" FROM "from"))
      AND "txid" < (SELECT "xid" FROM fence)`;
  return Prisma.sql`
    WITH fence AS MATERIALIZED (SELECT fieldsync_delta_fence() AS "xid"),
    "from" AS MATERIALIZED (SELECT ${cursor.txid}::xid8 AS "txid", ${cursor.seq}::bigint AS "seq"),
    page AS MATERIALIZED (
      SELECT *, row_number() OVER (ORDER BY "txid", "seq") AS "n" FROM (
        SELECT "txid", "seq", "entityType", "entityId", "operation", "version", "checksum", "data", "createdAt"
        FROM "ChangeLog"
        WHERE ${after}
          AND "entityType" = ANY(${input.types}::text[])
          ${cursor.after ? Prisma.sql`AND "createdAt" > ${new Date(cursor.after)}::timestamptz AT TIME ZONE 'UTC'` : Prisma.empty}
          ${input.excludeClientId ? Prisma.sql`AND ("originClientId" IS DISTINCT FROM ${input.excludeClientId} OR ("operation" = 'DELETE' AND NOT EXISTS (
            SELECT 1 FROM "SyncQueue" q WHERE q."clientId" = ${input.excludeClientId} AND q."entityType" = "ChangeLog"."entityType"
              AND q."entityId" = "ChangeLog"."entityId" AND q."operation" = 'DELETE')))` : Prisma.empty}
        ORDER BY "txid", "seq"
        LIMIT ${limit + 1}) l
    ),
    sent AS (SELECT * FROM page WHERE "n" <= ${limit}),
    "last" AS (SELECT "txid", "seq" FROM page WHERE "n" = least((SELECT count(*) FROM page), ${limit})),
    "end" AS (SELECT "txid", "seq" FROM "ChangeLog" WHERE ${after} ORDER BY "txid" DESC, "seq" DESC LIMIT 1)
    ${select}`;
}

const logHeadColumns = Prisma.sql`(SELECT count(*) FROM page)::int AS "found",
  (SELECT "txid"::text FROM "end") AS "endTxid", (SELECT "seq"::text FROM "end") AS "endSeq"`;

/** The cursor after a page: its last row when more follow, else the end of the log below the fence. */
function nextLogCursor(cursor: Extract<Cursor, { mode: "log" }>, head: LogPageHead, last: { txid: string; seq: string } | null, limit: number) {
  const hasMore = head.found > limit;
  const to = hasMore ? last : head.endTxid !== null ? { txid: head.endTxid, seq: head.endSeq! } : null;
  // The cursor moves past every row read, delivered or not: filtering never reopens a gap.
  return { hasMore, cursor: to ? { ...cursor, txid: to.txid, seq: to.seq } : cursor };
}

/** The statement of an unscoped log page: its head, its last row and its changes as one JSON array. */
export const logPageQuery = (input: PullInput, cursor: Extract<Cursor, { mode: "log" }>, limit: number) =>
  logPageSql(input, cursor, limit, Prisma.sql`SELECT ${logHeadColumns},
      (SELECT "txid"::text FROM "last") AS "lastTxid", (SELECT "seq"::text FROM "last") AS "lastSeq",
      ${changesArray(logChangeText, Prisma.sql`sent p`)} AS "changes"`);

/** One page of the log after `cursor`, its changes rendered by PostgreSQL into one JSON array (logPageSql). */
async function logPage(db: Db, input: PullInput, cursor: Extract<Cursor, { mode: "log" }>, limit: number): Promise<RenderedPage> {
  if (input.subscription?.locations) return scopedLogPage(db, input, input.subscription, cursor, limit);
  const [row] = await query<LogPageHead & { lastTxid: string | null; lastSeq: string | null; changes: string }>(db, logPageQuery(input, cursor, limit));
  const last = row!.lastTxid === null ? null : { txid: row!.lastTxid, seq: row!.lastSeq! };
  return { changes: row!.changes, ...nextLogCursor(cursor, row!, last, limit), progress: null, evict: [] };
}

/**
 * A log page for a subscription to some locations: its rows are judged one by one (filterToScope,
 * the rules of sync-core's inScope), so each comes with its rendered JSON, and the kept ones are joined.
 */
async function scopedLogPage(db: Db, input: PullInput, subscription: Subscription, cursor: Extract<Cursor, { mode: "log" }>, limit: number): Promise<RenderedPage> {
  const rows = await query<LogPageHead & { txid: string | null; seq: string | null; entityType: EntityType; entityId: string; operation: SyncOperation; data: EntityData | null; json: string }>(
    db,
    logPageSql(input, cursor, limit, Prisma.sql`SELECT ${logHeadColumns}, p."txid"::text, p."seq"::text, p."entityType", p."entityId", p."operation", p."data",
        ${logChangeText} AS "json"
      FROM (SELECT 1) one LEFT JOIN sent p ON true ORDER BY p."n"`),
  );
  const sent = rows.filter((row) => row.txid !== null);
  const last = sent.at(-1);
  const { kept, evict } = await filterToScope(db, input.orgId, subscription, sent);
  return {
    changes: `[${kept.map((row) => row.json).join(",")}]`,
    ...nextLogCursor(cursor, rows[0]!, last ? { txid: last.txid!, seq: last.seq! } : null, limit),
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

/**
 * Starts an initial sync at the current fence. Its one count (per type, an index-only scan of the
 * organization's rows) gives the progress bar its total once; pages then only add what they sent.
 */
async function startSnapshot(db: Db, input: PullInput): Promise<Extract<Cursor, { mode: "snapshot" }>> {
  const counts = input.types.map((type) => Prisma.sql`(SELECT count(*) FROM ${table(type)} e WHERE e."orgId" = ${input.orgId} ${scopeCondition(input.subscription ?? null, type)})`);
  const [row] = await query<{ fence: string; total: number }>(
    db,
    Prisma.sql`SELECT fieldsync_delta_fence()::text AS "fence", (${counts.length ? Prisma.join(counts, " + ") : Prisma.sql`0`})::int AS "total"`,
  );
  return { mode: "snapshot", fence: row!.fence, typeIndex: 0, lastId: "", sent: 0, total: row!.total };
}

/** A current entity aliased `p` (id, data, version, checksum, lastModifiedAt) as snapshotChange renders it. */
const snapshotChangeText = (type: EntityType) =>
  changeText({
    type: Prisma.sql`${type}::text`,
    id: Prisma.sql`p."id"`,
    operation: Prisma.sql`'CREATE'::text`,
    payload: Prisma.sql`p."data"`,
    version: Prisma.sql`p."version"`,
    at: Prisma.sql`p."lastModifiedAt"`,
    checksum: Prisma.sql`p."checksum"`,
  });

/**
 * The statement of snapshotRows (`data`: entityDataSql's rendering of `e`). The metadata side is
 * bounded by `lastId` too: the planner does not carry `e.id > lastId` over the join's equality,
 * so a merge join read every metadata row of the organization before the page (half of them,
 * on average, for each page of an initial sync). One pass, no CTE: the aggregates read the LIMIT's
 * rows in their id order and leave out the extra one (`n`), where a materialized page of 5,000
 * wide rows spilled to disk and was read three times.
 */
export const snapshotRowsQuery = (input: PullInput, type: EntityType, data: Prisma.Sql, lastId: string, room: number) => Prisma.sql`
  SELECT count(*)::int AS "found", max(p."id") FILTER (WHERE p."n" <= ${room}) AS "lastId",
    '[' || coalesce(string_agg(${snapshotChangeText(type)}, ',') FILTER (WHERE p."n" <= ${room}), '') || ']' AS "changes"
  FROM (
    SELECT e."id", ${data} AS "data", m."version", m."checksum", m."lastModifiedAt", row_number() OVER (ORDER BY e."id") AS "n"
    FROM ${table(type)} e
    JOIN "SyncMetadata" m ON m."orgId" = e."orgId" AND m."entityType" = ${type} AND m."entityId" = e."id" AND m."entityId" > ${lastId}
    WHERE e."orgId" = ${input.orgId} AND e."id" > ${lastId} ${scopeCondition(input.subscription ?? null, type)}
    ORDER BY e."id" LIMIT ${room + 1}) p`;

/**
 * Up to `room` current entities of `type` after `lastId`, rendered as one JSON array of
 * snapshotChange's shape, in id order (read as logPageSql's pages are: numbered, never re-sorted).
 */
async function snapshotRows(db: Db, input: PullInput, type: EntityType, lastId: string, room: number) {
  const [row] = await query<{ found: number; lastId: string | null; changes: string }>(
    db,
    snapshotRowsQuery(input, type, await entityDataSql(db, type), lastId, room),
  );
  return { sent: Math.min(row!.found, room), more: row!.found > room, lastId: row!.lastId, changes: row!.changes };
}

/**
 * Initial sync: current entities type by type, in id order, each with its version. Then the log
 * from the snapshot's fence: every change that may have happened while the pages were read is
 * replayed, and the client's "newer version wins" rule makes the overlap harmless.
 */
async function snapshotPage(db: Db, input: PullInput, start: Extract<Cursor, { mode: "snapshot" }>): Promise<RenderedPage> {
  const parts: string[] = [];
  let count = 0;
  let cursor = start;
  const progress = (sent: number) => ({ sent, total: Math.max(cursor.total, sent) });
  while (cursor.typeIndex < input.types.length) {
    const room = input.limit - count;
    // The previous type filled the page exactly: resume with this one next time.
    if (room === 0) return { changes: joinJsonArrays(parts), cursor, hasMore: true, progress: progress(cursor.sent), evict: [] };
    const rows = await snapshotRows(db, input, input.types[cursor.typeIndex]!, cursor.lastId, room);
    parts.push(rows.changes);
    count += rows.sent;
    const sent = cursor.sent + rows.sent;
    if (rows.more) {
      const next = { ...cursor, lastId: rows.lastId!, sent };
      return { changes: joinJsonArrays(parts), cursor: next, hasMore: true, progress: progress(sent), evict: [] };
    }
    cursor = { ...cursor, typeIndex: cursor.typeIndex + 1, lastId: "", sent };
  }
  const log = await logPage(db, input, { mode: "log", txid: cursor.fence, seq: "-1", after: null }, input.limit - count);
  return { ...log, changes: joinJsonArrays([...parts, log.changes]), progress: { sent: cursor.sent, total: cursor.sent } };
}

/** One page of changes, rendered to JSON text by PostgreSQL: what POST /api/sync/delta sends through untouched. */
export async function pullRendered(db: Db, input: PullInput): Promise<RenderedPage> {
  const cursor = input.cursor ??
    (input.after ? { mode: "log" as const, txid: "0", seq: "0", after: input.after } : await startSnapshot(db, input));
  return cursor.mode === "snapshot" ? snapshotPage(db, input, cursor) : logPage(db, input, cursor, input.limit);
}

/** pullRendered with its changes as objects, for answers that add to them (a push's). */
export async function pull(db: Db, input: PullInput): Promise<PullPage> {
  const page = await pullRendered(db, input);
  return { ...page, changes: JSON.parse(page.changes) as ServerChange[] };
}
