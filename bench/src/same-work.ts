import { hash } from "node:crypto";
import { type SyncChangeInput, entityRegistry } from "@fieldsync/schema";
import { canonicalJson } from "@fieldsync/sync-core";
import type pg from "pg";
import type { Query } from "./drivers.ts";

// The same-work baseline: what the push endpoint durably does for a batch, as the best raw SQL we
// can write, sent from the load process with no HTTP, authentication or input validation. It
// writes copies of the real tables (schema `baseline`: same columns, constraints and indexes, no
// triggers), so its rows can be compared with the endpoint's (same-work-check.ts). Like the
// endpoint it maintains the verification digests (SyncDigestDelta, which the endpoint's SyncMetadata
// triggers append to), in the same statement.

/** Where the same-work baseline writes. */
export const sameWorkSchema = "baseline";

/** The tables the endpoint writes for a push, which the same-work baseline copies. */
const sameWorkTables = ["Asset", "SyncMetadata", "ChangeLog", "SyncQueue", "SyncConflict", "SyncDigestDelta"];

/** Who pushes: the SyncClient its claims belong to, and the acting user. */
export interface BaselineDevice {
  clientId: string;
  userId: string;
}

export type SameWorkResult = { status: "applied"; version: number; checksum: string | null; mergedConflictId: string | null } | { status: "conflict"; conflictId: string; serverVersion: number };

/**
 * Creates the baseline's tables as copies of the real ones (columns, types, defaults, NOT NULL,
 * CHECK, indexes, unique constraints and foreign keys, read from the catalog so they follow the
 * Prisma schema), holding the organization's rows as they are now; returns the batch statement.
 */
export async function createSameWork(pool: pg.Pool, orgId: string): Promise<string> {
  await pool.query(`CREATE SCHEMA ${sameWorkSchema}`);
  for (const table of sameWorkTables) {
    await pool.query(`CREATE TABLE ${sameWorkSchema}."${table}" (LIKE public."${table}" INCLUDING ALL)`);
    const { rows } = await pool.query<{ name: string; def: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`,
      [`public."${table}"`],
    );
    // Unqualified references in the definitions resolve to public: the real parents (Organization, SyncClient…).
    for (const fk of rows) await pool.query(`ALTER TABLE ${sameWorkSchema}."${table}" ADD CONSTRAINT "${fk.name}" ${fk.def}`);
    await pool.query(`INSERT INTO ${sameWorkSchema}."${table}" SELECT * FROM public."${table}" WHERE "orgId" = $1`, [orgId]);
  }
  // The entity data and canonical text the tracking triggers render (generated from the catalog),
  // so checksums and log rows are the endpoint's to the byte.
  const { rows } = await pool.query<{ data: string; canonical: string }>(
    `SELECT data_sql AS data, canonical_sql AS canonical FROM fieldsync_entity_sql($1::regclass, 'e')`,
    [`${sameWorkSchema}."Asset"`],
  );
  return sameWorkStatement(rows[0]!.data, rows[0]!.canonical);
}

/**
 * One batch as one statement (one round trip, one transaction), arrays as parameters. Per change,
 * as the endpoint: an earlier claim of its key answers its stored outcome and applies nothing;
 * the batch's SyncMetadata rows are locked in id order; a create of a new id or an edit at the
 * current version applies; a stale update is three-way merged against the logged row at its base
 * version (disjoint fields: applied and recorded as a MERGE; otherwise a conflict with both sides,
 * the base and the fields both changed); the entity row, its SyncMetadata (version + 1, checksum
 * of the canonical entity, tombstone on delete) and its ChangeLog row are written; every change is
 * claimed in SyncQueue with its outcome (no payload: a finished change keeps none), each digest
 * bucket the batch changed gets one SyncDigestDelta row (the new checksums' values added, the old
 * ones' taken away: the endpoint's SyncMetadata triggers append one per bucket and statement), and the
 * (client, key) unique index makes a concurrent replay fail rather than apply twice. Not done
 * here (the endpoint does): the device's advisory lock (the unique index stands in),
 * CHANGE_ID_REUSED and the rejections (an edit of a missing entity, a base ahead of the server, a
 * create of an existing id: the benchmark sends none, here they would be conflicts), the device's
 * SyncClient/SyncRun bookkeeping, live events.
 */
/**
 * A UUID version 7 made in SQL, as the endpoint's ids are (sync-core newId: time-ordered, so the
 * claims' and conflicts' primary keys grow at their end): a random UUID with the statement's
 * time in its first 48 bits and its version nibble set to 7.
 */
const uuidv7Sql = `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send((extract(epoch FROM now()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid::text`;

function sameWorkStatement(dataSql: string, canonicalSql: string): string {
  const s = sameWorkSchema;
  const field = (name: string, cast = "") => `CASE WHEN t.patch ? '${name}' THEN (t.patch->>'${name}')${cast} ELSE e."${name}" END`;
  return `
    WITH input AS (
      SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::"SyncOperation"[], $9::int[], $10::jsonb[], $11::timestamp(3)[])
        WITH ORDINALITY AS v(key, change_id, fingerprint, entity_id, op, base, payload, client_ts, ord)),
    earlier AS (
      SELECT q."idempotencyKey" AS key, q."result" FROM ${s}."SyncQueue" q WHERE q."clientId" = $2 AND q."idempotencyKey" = ANY($4::text[])),
    fresh AS (
      SELECT DISTINCT ON (i.key) i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM earlier x WHERE x.key = i.key) ORDER BY i.key, i.ord),
    cur AS (
      SELECT m."entityId", m."version", m."deletedAt" IS NOT NULL AS gone, m."lastModifiedAt", m."checksum" FROM ${s}."SyncMetadata" m
      WHERE m."orgId" = $1 AND m."entityType" = 'asset' AND m."entityId" = ANY($7::text[])
      ORDER BY m."entityId" FOR UPDATE),
    d AS (
      SELECT f.*, c."version" AS current, c."lastModifiedAt" AS server_at, c."checksum" AS server_checksum,
        coalesce(CASE WHEN f.op = 'CREATE' THEN c."entityId" IS NULL ELSE c."version" = f.base AND NOT c.gone END, false) AS exact,
        f.op = 'UPDATE' AND NOT c.gone AND f.base < c."version" AS stale_update
      FROM fresh f LEFT JOIN cur c ON c."entityId" = f.entity_id),
    sides AS (
      SELECT d.key, b."data" AS base_data, ${dataSql} AS server_data
      FROM d JOIN ${s}."Asset" e ON e."orgId" = $1 AND e."id" = d.entity_id
      LEFT JOIN ${s}."ChangeLog" b ON b."orgId" = $1 AND b."entityType" = 'asset' AND b."entityId" = d.entity_id AND b."version" = d.base AND b."data" IS NOT NULL
      WHERE d.stale_update),
    merge AS (
      SELECT s.*, coalesce(s.base_data, s.server_data) || d.payload AS client_data,
        ARRAY(SELECT k FROM jsonb_object_keys(d.payload) k
              WHERE d.payload->k IS DISTINCT FROM s.server_data->k
                AND (s.base_data IS NULL OR (d.payload->k IS DISTINCT FROM s.base_data->k AND s.server_data->k IS DISTINCT FROM s.base_data->k))
              ORDER BY k) AS fields,
        (SELECT jsonb_object_agg(k, d.payload->k) FROM jsonb_object_keys(d.payload) k
         WHERE d.payload->k IS DISTINCT FROM s.base_data->k AND d.payload->k IS DISTINCT FROM s.server_data->k) AS patch
      FROM sides s JOIN d USING (key)),
    decided AS (
      SELECT d.*, m.base_data, m.server_data, m.client_data, coalesce(m.fields, ARRAY(SELECT jsonb_object_keys(d.payload) ORDER BY 1)) AS fields,
        m.base_data IS NOT NULL AND $13::boolean AND cardinality(m.fields) = 0 AS merged,
        CASE WHEN d.exact THEN d.payload ELSE m.patch END AS patch,
        CASE WHEN NOT d.exact THEN ${uuidv7Sql} END AS conflict_id
      FROM d LEFT JOIN merge m USING (key)),
    -- Rows written: exact changes, and merges that change something.
    todo AS (SELECT * FROM decided t WHERE t.exact OR (t.merged AND t.patch IS NOT NULL)),
    updated AS (
      UPDATE ${s}."Asset" e SET "name" = ${field("name")}, "serialNumber" = ${field("serialNumber")}, "location" = ${field("location")},
        "notes" = ${field("notes")}, "status" = ${field("status", `::"AssetStatus"`)}, "updatedAt" = now(), "updatedBy" = $3
      FROM todo t WHERE t.op = 'UPDATE' AND e."orgId" = $1 AND e."id" = t.entity_id
      RETURNING e.*),
    inserted AS (
      INSERT INTO ${s}."Asset" ("orgId", "id", "name", "serialNumber", "location", "notes", "status", "updatedBy")
      SELECT $1, t.entity_id, t.patch->>'name', t.patch->>'serialNumber', t.patch->>'location', t.patch->>'notes',
        coalesce((t.patch->>'status')::"AssetStatus", 'OPERATIONAL'), $3
      FROM todo t WHERE t.op = 'CREATE'
      RETURNING *),
    deleted AS (
      DELETE FROM ${s}."Asset" e USING todo t WHERE t.op = 'DELETE' AND e."orgId" = $1 AND e."id" = t.entity_id
      RETURNING e."id"),
    rendered AS (
      SELECT e."id", ${dataSql} AS data, encode(sha256(convert_to(${canonicalSql}, 'UTF8')), 'hex') AS checksum
      FROM (SELECT * FROM updated UNION ALL SELECT * FROM inserted) e
      UNION ALL SELECT x."id", NULL, NULL FROM deleted x),
    written AS (
      SELECT t.key, t.entity_id, t.op, coalesce(t.current, 0) + 1 AS version, r.data, r.checksum FROM todo t JOIN rendered r ON r."id" = t.entity_id),
    meta_new AS (
      INSERT INTO ${s}."SyncMetadata" ("orgId", "entityType", "entityId", "version", "lastModifiedBy", "lastModifiedAt", "checksum")
      SELECT $1, 'asset', w.entity_id, 1, $3, now(), w.checksum FROM written w WHERE w.op = 'CREATE'),
    meta_bumped AS (
      UPDATE ${s}."SyncMetadata" m SET "version" = w.version, "lastModifiedBy" = $3, "lastModifiedAt" = now(), "checksum" = w.checksum,
        "deletedAt" = CASE WHEN w.op = 'DELETE' THEN now() END
      FROM written w WHERE w.op <> 'CREATE' AND m."orgId" = $1 AND m."entityType" = 'asset' AND m."entityId" = w.entity_id),
    digests AS (
      INSERT INTO ${s}."SyncDigestDelta" ("orgId", "entityType", "bucket", "checksumSum", "entities")
      SELECT $1, 'asset', get_byte(sha256(convert_to(v.entity_id, 'UTF8')), 0), sum(v.term), sum(v.n)
      FROM (
        SELECT w.entity_id, fieldsync_checksum_value(w.checksum) AS term, 1 AS n FROM written w WHERE w.op <> 'DELETE'
        UNION ALL
        SELECT c."entityId", -fieldsync_checksum_value(c."checksum"), -1 FROM written w JOIN cur c ON c."entityId" = w.entity_id
        WHERE NOT c.gone AND c."checksum" IS NOT NULL) v
      GROUP BY 3
      HAVING sum(v.term) <> 0 OR sum(v.n) <> 0),
    logged AS (
      INSERT INTO ${s}."ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "checksum", "data", "actor", "originClientId")
      SELECT $1, 'asset', w.entity_id, w.op, w.version, w.checksum, w.data, $3, $2 FROM written w),
    outcomes AS (
      SELECT t.*, CASE
          WHEN t.exact OR t.merged THEN jsonb_build_object('status', 'applied', 'version', coalesce(w.version, t.current),
            'checksum', CASE WHEN w.key IS NOT NULL THEN w.checksum ELSE t.server_checksum END, 'mergedConflictId', t.conflict_id)
          ELSE jsonb_build_object('status', 'conflict', 'conflictId', t.conflict_id, 'serverVersion', coalesce(t.current, 0)) END AS result
      FROM decided t LEFT JOIN written w USING (key)),
    claims AS (
      INSERT INTO ${s}."SyncQueue" ("id", "orgId", "clientId", "changeId", "idempotencyKey", "fingerprint", "entityType", "entityId",
        "operation", "payload", "clientVersion", "clientTimestamp", "status", "attempts", "result", "processedAt")
      SELECT ${uuidv7Sql}, $1, $2, o.change_id, o.key, o.fingerprint, 'asset', o.entity_id, o.op, NULL::jsonb, o.base, o.client_ts,
        (CASE WHEN o.result->>'status' = 'applied' THEN 'COMPLETED' ELSE 'CONFLICT' END)::"SyncStatus", 1, o.result, now()
      FROM outcomes o ORDER BY o.ord
      RETURNING "idempotencyKey" AS key, "result"),
    conflicts AS (
      INSERT INTO ${s}."SyncConflict" ("id", "orgId", "clientId", "userId", "changeId", "entityType", "entityId", "operation",
        "clientVersion", "serverVersion", "clientData", "serverData", "baseData", "conflictingFields", "suggestedResolution",
        "resolution", "resolvedBy", "resolvedAt")
      SELECT t.conflict_id, $1, $2, $3, t.change_id, 'asset', t.entity_id, t.op, t.base, coalesce(t.current, 0), t.client_data, t.server_data,
        t.base_data, t.fields,
        (CASE WHEN t.server_at > t.client_ts THEN 'SERVER_WINS'
              WHEN t.client_data IS NOT NULL AND t.server_data IS NOT NULL AND t.base_data IS NOT NULL AND cardinality(t.fields) = 0 THEN 'MERGE'
              ELSE $12::text END)::"ConflictResolution",
        (CASE WHEN t.merged THEN 'MERGE' ELSE 'MANUAL' END)::"ConflictResolution",
        CASE WHEN t.merged THEN 'system' END, CASE WHEN t.merged THEN now() END
      FROM decided t WHERE NOT t.exact)
    SELECT coalesce(c."result", x."result") AS result
    FROM input i LEFT JOIN claims c ON c.key = i.key LEFT JOIN earlier x ON x.key = i.key
    ORDER BY i.ord`;
}

const sha256 = (text: string) => hash("sha256", text, "hex");

/** The statement's parameters for a batch, one array per column; keys and fingerprints as the endpoint computes them (packages/api sync/apply.ts prepare). */
export function sameWorkParameters(orgId: string, device: BaselineDevice, changes: readonly SyncChangeInput[]): unknown[] {
  const policy = entityRegistry.asset.conflictPolicy;
  const fingerprints = changes.map((c) => sha256([c.entityType, c.entityId, c.operation, c.clientVersion, sha256(canonicalJson(c.payload))].join("|")));
  return [
    orgId,
    device.clientId,
    device.userId,
    changes.map((c, i) => (c.changeId ? `c:${c.changeId}` : `h:${fingerprints[i]}`)),
    changes.map((c) => c.changeId ?? null),
    fingerprints,
    changes.map((c) => c.entityId),
    changes.map((c) => c.operation),
    changes.map((c) => c.clientVersion),
    // Objects: each driver stringifies them once, as it encodes jsonb.
    changes.map((c) => c.payload),
    changes.map((c) => c.timestamp),
    policy.preference,
    policy.autoMergeDisjoint,
  ];
}

/** Pushes one batch through `query` (a driver: drivers.ts); the outcome of every change, in order. */
export async function sameWorkPush(query: Query, statement: string, orgId: string, device: BaselineDevice, changes: readonly SyncChangeInput[]): Promise<SameWorkResult[]> {
  const rows = await query<{ result: SameWorkResult }>(statement, sameWorkParameters(orgId, device, changes));
  return rows.map((r) => r.result);
}
