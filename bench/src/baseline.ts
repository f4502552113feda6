import { createHash } from "node:crypto";
import type { SyncChangeInput } from "@fieldsync/schema";
import type pg from "pg";

// Same-run baselines: what a minimal hand-written server would send to PostgreSQL, through raw
// `pg` from the load process, with no HTTP, authentication or input validation.

type Results = { status: string; version?: number; serverVersion?: number }[];

/** Where the same-work baseline writes: copies of the real tables (see seed.ts createSameWorkTables). */
export const sameWorkSchema = "baseline";

/** Who pushes in the same-work baseline: the SyncClient its claims belong to, and the acting user. */
export interface BaselineDevice {
  clientId: string;
  userId: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The endpoint's durable work for one batch, as one statement (so one transaction and one round
 * trip), arrays as parameters: lock the batch's SyncMetadata rows; decide per change (a create
 * needs no row, an update or delete needs the base version of a live row); claim every change in
 * SyncQueue with its outcome, unique per (client, idempotency key) so a replay applies nothing;
 * write the applied changes' entity rows, their SyncMetadata (version + 1, checksum of the row's
 * JSON, tombstone for deletes) and ChangeLog rows (row image, checksum); record each conflict in
 * SyncConflict with both sides. Tables, indexes and constraints are copies of the real ones.
 * What it does not do that the endpoint does: three-way merge of disjoint stale edits, per-field
 * validation against the registry, the device's SyncClient/SyncRun bookkeeping, the pull after
 * the push, live events.
 */
export async function sameWorkPush(db: pg.Pool, orgId: string, device: BaselineDevice, changes: readonly SyncChangeInput[]): Promise<Results> {
  const payloads = changes.map((c) => JSON.stringify(c.payload));
  const { rows } = await db.query<{ ok: boolean; current: number | null; result: Results[number] | null }>(
    `WITH v AS (
       SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::"SyncOperation"[], $7::int[], $8::jsonb[], $9::timestamp[])
         WITH ORDINALITY AS v(key, fingerprint, entity_id, op, base, payload, client_ts, ord)),
     cur AS (
       SELECT m."entityId", m."version", m."deletedAt" IS NOT NULL AS gone FROM ${sameWorkSchema}."SyncMetadata" m
       WHERE m."orgId" = $1 AND m."entityType" = 'asset' AND m."entityId" = ANY($5::text[])
       FOR UPDATE),
     d AS (
       SELECT v.*, cur."version" AS current,
         CASE WHEN v.op = 'CREATE' THEN cur."entityId" IS NULL ELSE coalesce(cur."version" = v.base AND NOT cur.gone, false) END AS ok
       FROM v LEFT JOIN cur ON cur."entityId" = v.entity_id),
     claim AS (
       INSERT INTO ${sameWorkSchema}."SyncQueue" ("id", "orgId", "clientId", "changeId", "idempotencyKey", "fingerprint", "entityType", "entityId",
         "operation", "payload", "clientVersion", "clientTimestamp", "status", "attempts", "result", "processedAt")
       SELECT gen_random_uuid()::text, $1, $2, d.key, d.key, d.fingerprint, 'asset', d.entity_id, d.op, d.payload, d.base, d.client_ts,
         (CASE WHEN d.ok THEN 'COMPLETED' ELSE 'CONFLICT' END)::"SyncStatus", 1,
         CASE WHEN d.ok THEN jsonb_build_object('status', 'applied', 'version', coalesce(d.current, 0) + 1)
              ELSE jsonb_build_object('status', 'conflict', 'serverVersion', coalesce(d.current, 0)) END,
         now()
       FROM d
       ON CONFLICT ("clientId", "idempotencyKey") DO NOTHING
       RETURNING "idempotencyKey" AS key),
     todo AS (SELECT d.* FROM d JOIN claim USING (key)),
     updated AS (
       UPDATE ${sameWorkSchema}."Asset" e SET
         "name" = CASE WHEN t.payload ? 'name' THEN t.payload->>'name' ELSE e."name" END,
         "serialNumber" = CASE WHEN t.payload ? 'serialNumber' THEN t.payload->>'serialNumber' ELSE e."serialNumber" END,
         "location" = CASE WHEN t.payload ? 'location' THEN t.payload->>'location' ELSE e."location" END,
         "notes" = CASE WHEN t.payload ? 'notes' THEN t.payload->>'notes' ELSE e."notes" END,
         "status" = CASE WHEN t.payload ? 'status' THEN (t.payload->>'status')::"AssetStatus" ELSE e."status" END,
         "updatedAt" = now(), "updatedBy" = $10
       FROM todo t WHERE t.ok AND t.op = 'UPDATE' AND e."orgId" = $1 AND e."id" = t.entity_id
       RETURNING e.*),
     inserted AS (
       INSERT INTO ${sameWorkSchema}."Asset" ("orgId", "id", "name", "serialNumber", "location", "notes", "status", "updatedBy")
       SELECT $1, t.entity_id, t.payload->>'name', t.payload->>'serialNumber', t.payload->>'location', t.payload->>'notes',
         coalesce((t.payload->>'status')::"AssetStatus", 'OPERATIONAL'), $10
       FROM todo t WHERE t.ok AND t.op = 'CREATE'
       RETURNING *),
     deleted AS (
       DELETE FROM ${sameWorkSchema}."Asset" e USING todo t WHERE t.ok AND t.op = 'DELETE' AND e."orgId" = $1 AND e."id" = t.entity_id
       RETURNING e."id"),
     written AS (
       SELECT w."id", to_jsonb(w) - 'orgId' AS data FROM (SELECT * FROM updated UNION ALL SELECT * FROM inserted) w
       UNION ALL SELECT x."id", NULL FROM deleted x),
     summed AS (
       SELECT t.entity_id, t.op, coalesce(t.current, 0) + 1 AS version, w.data,
         encode(sha256(convert_to(w.data::text, 'UTF8')), 'hex') AS checksum
       FROM todo t JOIN written w ON w."id" = t.entity_id),
     meta AS (
       INSERT INTO ${sameWorkSchema}."SyncMetadata" ("id", "orgId", "entityType", "entityId", "version", "lastModifiedBy", "lastModifiedAt", "checksum", "deletedAt")
       SELECT gen_random_uuid()::text, $1, 'asset', s.entity_id, s.version, $10, now(), s.checksum, CASE WHEN s.op = 'DELETE' THEN now() END
       FROM summed s
       ON CONFLICT ("orgId", "entityType", "entityId") DO UPDATE SET "version" = excluded."version", "lastModifiedBy" = excluded."lastModifiedBy",
         "lastModifiedAt" = excluded."lastModifiedAt", "checksum" = excluded."checksum", "deletedAt" = excluded."deletedAt"),
     logged AS (
       INSERT INTO ${sameWorkSchema}."ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "checksum", "data", "actor", "originClientId")
       SELECT $1, 'asset', s.entity_id, s.op, s.version, s.checksum, s.data, $10, $2 FROM summed s),
     conflicts AS (
       INSERT INTO ${sameWorkSchema}."SyncConflict" ("id", "orgId", "clientId", "userId", "changeId", "entityType", "entityId", "operation",
         "clientVersion", "serverVersion", "clientData", "serverData", "conflictingFields", "suggestedResolution")
       SELECT gen_random_uuid()::text, $1, $2, $10, t.key, 'asset', t.entity_id, t.op, t.base, coalesce(t.current, 0), t.payload,
         to_jsonb(e) - 'orgId', ARRAY(SELECT jsonb_object_keys(t.payload)), 'SERVER_WINS'
       FROM todo t LEFT JOIN ${sameWorkSchema}."Asset" e ON e."orgId" = $1 AND e."id" = t.entity_id
       WHERE NOT t.ok)
     -- A replayed change answers with its stored outcome (looked up for replays only).
     SELECT d.ok, d.current,
       CASE WHEN c.key IS NULL THEN (SELECT q."result" FROM ${sameWorkSchema}."SyncQueue" q WHERE q."clientId" = $2 AND q."idempotencyKey" = d.key) END AS result
     FROM d LEFT JOIN claim c USING (key)
     ORDER BY d.ord`,
    [
      orgId,
      device.clientId,
      changes.map((c) => `c:${c.changeId}`),
      // As the endpoint: entity, operation, base version and the payload's hash.
      changes.map((c, i) => sha256([c.entityType, c.entityId, c.operation, c.clientVersion, sha256(payloads[i]!)].join("|"))),
      changes.map((c) => c.entityId),
      changes.map((c) => c.operation),
      changes.map((c) => c.clientVersion),
      payloads,
      changes.map((c) => c.timestamp),
      device.userId,
    ],
  );
  return rows.map((r) =>
    r.result ?? (r.ok ? { status: "applied", version: (r.current ?? 0) + 1 } : { status: "conflict", serverVersion: r.current ?? 0 }),
  );
}

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

/** The raw fenced delta page (same predicate and order as the server's) serialized to JSON. */
export async function baselineLogPage(db: pg.Pool, orgId: string, after: LogPosition, limit: number): Promise<{ body: string; last: LogPosition | null; count: number }> {
  const { rows } = await db.query<{ txid: string; seq: string }>(
    `SELECT "txid"::text, "seq"::text, "entityType", "entityId", "operation", "version", "checksum", "data", "createdAt"
     FROM "ChangeLog"
     WHERE "orgId" = $1 AND ("txid", "seq") > ($2::xid8, $3::bigint) AND "txid" < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY "txid", "seq" LIMIT $4`,
    [orgId, after.txid, after.seq, limit],
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
    `SELECT "txid"::text, "seq"::text FROM "ChangeLog" WHERE "orgId" = $1 ORDER BY "txid" DESC, "seq" DESC LIMIT 1`,
    [orgId],
  );
  return rows[0] ?? { txid: "0", seq: "0" };
}
