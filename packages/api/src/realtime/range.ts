import type { Db } from "@fieldsync/db";
import { type ServerChange, liveChangeLimits } from "@fieldsync/schema";
import { comparePositions, formatPosition, logOrigin, parsePosition } from "@fieldsync/sync-core";
import { encodeCursor } from "../sync/cursor.ts";
import { type LogRow, pulledChange } from "../sync/pull.ts";
import { scopedTypes } from "../sync/scope.ts";

/** A fenced range of an organization's log, `(from, to]`, with its changes when they fit an event. */
export interface LogRange {
  from: string;
  to: string;
  changes?: ServerChange[];
}

/**
 * The newest part of the organization's log below the fence (the pull's: nothing can land in it
 * later), after `after` (where this process's previous event ended; null: none yet). It ends at
 * the last row below the fence and starts at `after`, or, when more than an event may carry lies
 * after it, just before the newest rows that fit (`liveChangeLimits`): a device further back
 * pulls. Null when nothing new lies below the fence.
 */
export async function readRange(db: Db, orgId: string, after: string | null): Promise<LogRange | null> {
  const start = parsePosition(after ?? logOrigin) ?? { txid: 0n, seq: 0n };
  const rows = await db.$queryRaw<(LogRow & { txid: string; seq: string })[]>`
    WITH fence AS MATERIALIZED (SELECT fieldsync_delta_fence() AS "xid")
    -- Ordered by the columns, not the text of the same names the rows are read as.
    SELECT "txid"::text, "seq"::text, "entityType", "entityId", "operation", "version", "checksum", "data", "createdAt"
    FROM "ChangeLog"
    WHERE "orgId" = ${orgId} AND "txid" < (SELECT "xid" FROM fence)
      AND ("txid", "seq") > (${start.txid.toString()}::xid8, ${start.seq}::bigint)
    ORDER BY "ChangeLog"."txid" DESC, "ChangeLog"."seq" DESC
    LIMIT ${liveChangeLimits.maxChanges + 1}`;
  if (rows.length === 0) return null;
  const to = formatPosition(rows[0]!);
  let bytes = 0;
  let fit = 0;
  for (const row of rows.slice(0, liveChangeLimits.maxChanges)) {
    bytes += Buffer.byteLength(JSON.stringify(pulledChange(row)));
    if (bytes > liveChangeLimits.maxBytes) break;
    fit++;
  }
  if (fit === 0) return { from: to, to };
  const from = fit === rows.length ? formatPosition(start) : formatPosition(rows[fit]!);
  return { from, to, changes: rows.slice(0, fit).reverse().map(pulledChange) };
}

/** The later of two positions (a process's ranges only move forward). */
export const laterPosition = (a: string | undefined, b: string): string => {
  const [x, y] = [a && parsePosition(a), parsePosition(b)];
  return x && y && comparePositions(x, y) > 0 ? a! : b;
};

/** The sync token at a range's end for a device that keeps every entity type (no subscription). */
export function tokenAtRangeEnd(cursorSecret: string, orgId: string, range: LogRange): string | null {
  const end = parsePosition(range.to);
  if (!end) return null;
  const cursor = { mode: "log" as const, txid: end.txid.toString(), seq: end.seq.toString(), after: null };
  return encodeCursor(cursorSecret, orgId, scopedTypes(null), cursor);
}
