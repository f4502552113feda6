import { type SyncChangeInput, entityTypes } from "@fieldsync/schema";
import type pg from "pg";

// Same-run baselines: what a minimal hand-written server would send to PostgreSQL, through raw
// `pg` from the load process, with no HTTP, authentication or input validation. The push's
// same-work baseline is same-work.ts.

type Results = { status: string; version?: number; serverVersion?: number }[];

/**
 * Reference (the earlier baseline): one batch as one statement on a one-table copy,
 * INSERT … ON CONFLICT DO UPDATE … WHERE version = base; rows not returned are the conflicts. No
 * claim, metadata, change log or conflict record.
 */
export async function baselinePush(db: pg.Pool | pg.PoolClient, orgId: string, changes: readonly SyncChangeInput[], known: Map<string, number>): Promise<Results> {
  const col = (field: string) => changes.map((c) => (c.payload as Record<string, unknown>)[field] ?? null);
  const { rows } = await db.query<{ id: string; version: number }>(
    `INSERT INTO bench_entity AS e (org_id, id, name, serial_number, location, notes, status, version, deleted)
     SELECT $1, v.id, v.name, v.serial, v.location, v.notes, v.status, v.base + 1, v.deleted
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::bool[])
       AS v(id, name, serial, location, notes, status, base, deleted)
     ON CONFLICT (org_id, id) DO UPDATE SET
       name = coalesce(excluded.name, e.name), serial_number = coalesce(excluded.serial_number, e.serial_number),
       location = coalesce(excluded.location, e.location), notes = coalesce(excluded.notes, e.notes),
       status = coalesce(excluded.status, e.status), version = excluded.version, deleted = excluded.deleted
     WHERE e.version = excluded.version - 1 AND NOT e.deleted
     RETURNING e.id, e.version`,
    [
      orgId,
      changes.map((c) => c.entityId),
      col("name"),
      col("serialNumber"),
      col("location"),
      col("notes"),
      col("status"),
      changes.map((c) => c.clientVersion),
      changes.map((c) => c.operation === "DELETE"),
    ],
  );
  const applied = new Map(rows.map((r) => [r.id, r.version]));
  return changes.map((c) => {
    const version = applied.get(c.entityId);
    return version !== undefined ? { status: "applied", version } : { status: "conflict", serverVersion: known.get(c.entityId) ?? 0 };
  });
}

export interface LogPosition {
  txid: string;
  seq: string;
}

/**
 * The raw fenced delta page, filtered as the server's is: the organization, the same fence
 * (fieldsync_delta_fence, computed once), the device's entity types (every type here, as the bench's devices
 * subscribe to all), same order; serialized to JSON. The cursor is a parameter to the planner, as
 * in the server's statement (pull.ts, logPageSql): with its value in sight the planner expects no
 * row past the log's analyzed tail and sorts every row after the cursor on each page.
 */
export async function baselineLogPage(db: pg.Pool, orgId: string, after: LogPosition, limit: number): Promise<{ body: string; last: LogPosition | null; count: number }> {
  const { rows } = await db.query<{ txid: string; seq: string }>(
    // Qualified: a bare "txid" in ORDER BY would name the text output column and sort 1000 before 999.
    `WITH "from" AS MATERIALIZED (SELECT $2::xid8 AS "txid", $3::bigint AS "seq")
     SELECT c."txid"::text, c."seq"::text, "entityType", "entityId", "operation", "version", "checksum", "data", "createdAt"
     FROM "ChangeLog" c
     WHERE "orgId" = $1 AND (c."txid", c."seq") > ((SELECT "txid" FROM "from"), (SELECT "seq" FROM "from"))
       AND c."txid" < (SELECT fieldsync_delta_fence()) AND "entityType" = ANY($5::text[])
     ORDER BY c."txid", c."seq" LIMIT $4`,
    [orgId, after.txid, after.seq, limit, entityTypes],
  );
  const last = rows.at(-1);
  return { body: JSON.stringify(rows), last: last ? { txid: last.txid, seq: last.seq } : null, count: rows.length };
}

/** The raw snapshot page: current entities with their versions, keyset-paginated by id. */
export async function baselineSnapshotPage(db: pg.Pool, orgId: string, afterId: string, limit: number) {
  const { rows } = await db.query<{ id: string }>(
    `SELECT e."id", to_jsonb(e) AS data, m."version", m."checksum", m."lastModifiedAt"
     FROM "Asset" e JOIN "SyncMetadata" m ON m."orgId" = e."orgId" AND m."entityType" = 'asset' AND m."entityId" = e."id"
     WHERE e."orgId" = $1 AND e."id" > $2 ORDER BY e."id" LIMIT $3`,
    [orgId, afterId, limit],
  );
  return { body: JSON.stringify(rows), lastId: rows.at(-1)?.id ?? null, count: rows.length };
}

/** The newest log position of the organization (a device caught up to here). */
export async function logHead(db: pg.Pool, orgId: string): Promise<LogPosition> {
  const { rows } = await db.query<LogPosition>(
    `SELECT c."txid"::text, c."seq"::text FROM "ChangeLog" c WHERE c."orgId" = $1 ORDER BY c."txid" DESC, c."seq" DESC LIMIT 1`,
    [orgId],
  );
  return rows[0] ?? { txid: "0", seq: "0" };
}
