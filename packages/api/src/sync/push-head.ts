import type { ChangeResult, EntityType, RejectionCode } from "@fieldsync/schema";
import type { Prepared } from "./apply.ts";
import type { Cursor } from "./cursor.ts";
import type { Sql } from "./sql.ts";

interface HeadRow {
  txid: string;
  seq: string | null;
  head: boolean;
}

/** Rejections that leave no claim of the change's own (claims.ts, apply-changes.ts). */
const unclaimed: ReadonlySet<string> = new Set(["CHANGE_ID_REUSED", "CHANGE_FAILED"] satisfies RejectionCode[]);

/**
 * The entities of a push's DELETE changes that hold a claim of their own (a first delivery or a
 * replay of it): the deletes the device asked for, whose tombstones the pull would leave out.
 */
export const claimedDeletes = (prepared: readonly Prepared[], results: readonly ChangeResult[]) =>
  results
    .filter((r) => prepared[r.index]!.change.operation === "DELETE" && !(r.status === "rejected" && unclaimed.has(r.code)))
    .map((r) => ({ type: r.entityType, id: r.entityId }));

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
 * rule this mirrors for the entities of the push's claimed DELETE changes, `asked`: see
 * claimedDeletes; a tombstone the pull would leave out for an older claim only costs a pull).
 * Without a log cursor (first sync, reset, new scope: planPull gives none) the push always pulls.
 */
export async function cursorAtHead(
  sql: Sql,
  writer: { orgId: string },
  cursor: Cursor | null,
  asked: readonly { type: EntityType; id: string }[],
): Promise<Cursor | null> {
  if (cursor?.mode !== "log") return null;
  const [row] = await sql.query<HeadRow>(
    // pg_current_xact_id() is stable: written into each condition (not read from a CTE) it is an
    // index condition, so this transaction's own log rows are found through (orgId, txid, seq),
    // not by a scan of the week's partition, which grows with the deployment.
    `WITH asked AS MATERIALIZED (SELECT * FROM unnest($4::text[], $5::text[]) AS a("entityType", "entityId")),
     mine AS (SELECT max(l."seq") AS "seq", bool_or(l."operation" = 'DELETE' AND NOT EXISTS (
                SELECT 1 FROM asked a WHERE a."entityType" = l."entityType" AND a."entityId" = l."entityId")) AS "deletes"
              FROM "ChangeLog" l WHERE l."orgId" = $1 AND l."txid" = pg_current_xact_id())
     SELECT pg_current_xact_id()::text AS "txid", mine."seq"::text AS "seq",
            fieldsync_delta_fence() >= pg_current_xact_id() AND mine."deletes" IS NOT TRUE AND NOT EXISTS (
              SELECT 1 FROM "ChangeLog" l WHERE l."orgId" = $1 AND (l."txid", l."seq") > ($2::xid8, $3::bigint) AND l."txid" < pg_current_xact_id()
            ) AS "head"
     FROM mine`,
    [writer.orgId, cursor.txid, cursor.seq, asked.map((e) => e.type), asked.map((e) => e.id)],
  );
  if (!row?.head) return null;
  return row.seq === null ? cursor : { ...cursor, txid: row.txid, seq: row.seq };
}
