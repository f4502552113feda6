import { type Db, sqlPoolOf } from "@fieldsync/db";
import { type EntityType, type ServerChange, type Subscription, getEntity, liveChangeLimits } from "@fieldsync/schema";
import { type ScopeReferences, comparePositions, formatPosition, logOrigin, parsePosition, scopeReferenceKey, scopeTarget } from "@fieldsync/sync-core";
import { encodeCursor } from "../sync/cursor.ts";
import { type LogRow, pulledChange } from "../sync/pull.ts";
import { scopedTypes } from "../sync/scope.ts";

/** A fenced range of an organization's log, `(from, to]`, with its changes when they fit an event. */
export interface LogRange {
  from: string;
  to: string;
  changes?: ServerChange[];
  /** Without `changes`: about how many bytes a pull of the range answers (the hub sizes the fleet's catch-up window by it). */
  bytes?: number;
  /** Without `changes`: the fleet's catch-up window, named by the hub that fans the event out (CatchUpWindows). */
  catchUpMs?: number;
}

/** Rows a range's size is counted up to: beyond, a bulk import's catch-up is sized as this many. */
const countedRows = 100_000;

/**
 * The newest part of the organization's log below the fence (the pull's: nothing can land in it
 * later), after `after` (where this process's previous event ended; null: none yet), up to the
 * last row below the fence. It carries its changes when they fit an event (`liveChangeLimits`);
 * beyond that only its ends, and devices behind its end pull: the newest rows that would fit let
 * no device move its token (none sits inside a transaction), and a reconnect storm's ranges sent
 * to every device of a fleet weighed megabytes per event. A process's first event (no `after`)
 * cannot know where devices sit: when the whole log does not fit, its range is the newest
 * transaction alone, which every device that held the log before it can take. Null when nothing
 * new lies below the fence.
 */
export async function readRange(db: Db, orgId: string, after: string | null): Promise<LogRange | null> {
  const start = parsePosition(after ?? logOrigin) ?? { txid: 0n, seq: 0n };
  let rows = await sqlPoolOf(db).query<LogRow & { txid: string; seq: string }>(
    `WITH fence AS MATERIALIZED (SELECT fieldsync_delta_fence() AS "xid")
     -- Ordered by the columns, not the text of the same names the rows are read as.
     SELECT "txid"::text, "seq"::text, "entityType", "entityId", "operation", "version", "checksum", "data",
            "createdAt" AT TIME ZONE 'UTC' AS "createdAt"
     FROM "ChangeLog"
     WHERE "orgId" = $1 AND "txid" < (SELECT "xid" FROM fence)
       AND ("txid", "seq") > ($2::xid8, $3::bigint)
     ORDER BY "ChangeLog"."txid" DESC, "ChangeLog"."seq" DESC
     LIMIT $4`,
    [orgId, start.txid.toString(), start.seq.toString(), liveChangeLimits.maxChanges + 1],
  );
  if (rows.length === 0) return null;
  let from = formatPosition(start);
  if (after === null && rows.length > liveChangeLimits.maxChanges) {
    const older = rows.findIndex((row) => row.txid !== rows[0]!.txid);
    if (older > 0) {
      from = formatPosition(rows[older]!);
      rows = rows.slice(0, older);
    }
  }
  const bounds = { from, to: formatPosition(rows[0]!) };
  const changes = rows.reverse().map(pulledChange);
  const bytes = Buffer.byteLength(JSON.stringify(changes));
  if (rows.length <= liveChangeLimits.maxChanges && bytes <= liveChangeLimits.maxBytes) return { ...bounds, changes };
  if (rows.length <= liveChangeLimits.maxChanges) return { ...bounds, bytes };
  // The newest rows' average size times the range's rows (counted on the index alone).
  const [first, last] = [parsePosition(from)!, parsePosition(bounds.to)!];
  const [counted] = await sqlPoolOf(db).query<{ rows: number }>(
    `SELECT count(*)::int AS "rows" FROM (
       SELECT 1 FROM "ChangeLog" WHERE "orgId" = $1 AND ("txid", "seq") > ($2::xid8, $3::bigint) AND ("txid", "seq") <= ($4::xid8, $5::bigint) LIMIT $6
     ) AS "range"`,
    [orgId, first.txid.toString(), first.seq.toString(), last.txid.toString(), last.seq.toString(), countedRows],
  );
  return { ...bounds, bytes: Math.round((bytes / rows.length) * (counted?.rows ?? rows.length)) };
}

/** The later of two positions (a process's ranges only move forward). */
export const laterPosition = (a: string | undefined, b: string): string => {
  const [x, y] = [a && parsePosition(a), parsePosition(b)];
  return x && y && comparePositions(x, y) > 0 ? a! : b;
};

/** The sync token at a range's end for a device with `subscription` (null: every entity type). */
export function tokenAtRangeEnd(cursorSecret: string, orgId: string, range: Pick<LogRange, "to">, subscription: Subscription | null = null): string | null {
  const end = parsePosition(range.to);
  if (!end) return null;
  const cursor = { mode: "log" as const, txid: end.txid.toString(), seq: end.seq.toString(), after: null };
  return encodeCursor(cursorSecret, orgId, scopedTypes(subscription), cursor);
}

/**
 * Where the entities that `changes` of reference-scoped types point to sit now (sync-core's
 * ScopeReferences): one query per referenced type, once per event, whatever the number of
 * subscriptions it is filtered for. Null when no change is scoped through a reference.
 * Events' statements run on the pg pool: through Prisma each one was compiled again.
 */
export async function readScopeReferences(db: Db, orgId: string, changes: readonly ServerChange[]): Promise<ScopeReferences | null> {
  const wanted = new Map<EntityType, Set<string>>();
  for (const change of changes) {
    const scope = scopeTarget(change.entityType);
    const id = scope && change.payload[scope.field];
    if (scope && typeof id === "string") wanted.set(scope.target, (wanted.get(scope.target) ?? new Set()).add(id));
  }
  if (wanted.size === 0) return null;
  const references: Record<string, unknown> = {};
  for (const [type, ids] of wanted) {
    const scope = getEntity(type).scope;
    if (scope?.by !== "field") continue;
    // The table and column come from the entity registry, never from input.
    const rows = await sqlPoolOf(db).query<{ id: string; value: unknown }>(
      `SELECT "id", "${scope.field}" AS "value" FROM "${getEntity(type).model}" WHERE "orgId" = $1 AND "id" = ANY($2::text[])`,
      [orgId, [...ids]],
    );
    for (const row of rows) references[scopeReferenceKey(type, row.id)] = row.value;
  }
  return references;
}
