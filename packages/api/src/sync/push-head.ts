import type { Cursor } from "./cursor.ts";
import type { Sql } from "./sql.ts";

interface HeadRow {
  txid: string;
  seq: string | null;
  head: boolean;
}

/**
 * Run last in a push's transaction. When the device is at the head, i.e. nothing after `cursor`
 * but this transaction's own writes can ever be handed out, returns the cursor just past those
 * writes, and the push answers with it without pulling; otherwise null (pull after the commit).
 *
 * At the head means: no transaction with a smaller txid is still running (the fence seen inside
 * this transaction, which counts it as running, is not below its txid), so every log row below this
 * transaction's txid is committed and visible here, and none of them lies after `cursor`. Rows of
 * transactions with a larger txid land after the returned cursor, so they are never skipped.
 * A delete this push wrote that the device did not ask for itself (a cascade, under the device's
 * name) makes it pull: those tombstones must travel to it (see PullInput.excludeClientId, whose
 * rule this mirrors for the push's own DELETE claims, `deleteKeys`; a tombstone the pull would
 * leave out for an older claim only costs a pull). Without a log cursor (first sync, reset, new
 * scope: planPull gives none) the push always pulls.
 */
export async function cursorAtHead(
  sql: Sql,
  writer: { orgId: string; clientId: string },
  cursor: Cursor | null,
  deleteKeys: readonly string[],
): Promise<Cursor | null> {
  if (cursor?.mode !== "log") return null;
  const [row] = await sql.query<HeadRow>(
    `WITH own AS (SELECT pg_current_xact_id() AS "xid"),
     claimed AS MATERIALIZED (
       SELECT q."entityType", q."entityId" FROM "SyncQueue" q
       WHERE q."clientId" = $4 AND q."idempotencyKey" = ANY($5::text[]) AND q."operation" = 'DELETE'),
     mine AS (SELECT max(l."seq") AS "seq", bool_or(l."operation" = 'DELETE' AND NOT EXISTS (
                SELECT 1 FROM claimed c WHERE c."entityType" = l."entityType" AND c."entityId" = l."entityId")) AS "deletes"
              FROM "ChangeLog" l, own WHERE l."orgId" = $1 AND l."txid" = own."xid")
     SELECT own."xid"::text AS "txid", mine."seq"::text AS "seq",
            fieldsync_delta_fence() >= own."xid" AND mine."deletes" IS NOT TRUE AND NOT EXISTS (
              SELECT 1 FROM "ChangeLog" l WHERE l."orgId" = $1 AND (l."txid", l."seq") > ($2::xid8, $3::bigint) AND l."txid" < own."xid"
            ) AS "head"
     FROM own, mine`,
    [writer.orgId, cursor.txid, cursor.seq, writer.clientId, deleteKeys],
  );
  if (!row?.head) return null;
  return row.seq === null ? cursor : { ...cursor, txid: row.txid, seq: row.seq };
}
