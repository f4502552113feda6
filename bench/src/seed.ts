import type pg from "pg";
import { notes } from "./data.ts";

// Bulk data set-up (not measured). Entity rows are inserted with triggers off and their
// SyncMetadata and ChangeLog rows written set-wise with the generic entity-data and canonical
// functions, which render what the tracking triggers' generated SQL renders (tested in packages/db),
// so the result is what the triggers would have left.

const chunkSize = 100_000;

/** Inserts `count` assets into the organization; returns their ids when asked to. */
export async function seedAssets(pool: pg.Pool, orgId: string, count: number, returnIds = false): Promise<string[]> {
  const ids: string[] = [];
  const client = await pool.connect();
  try {
    for (let start = 1; start <= count; start += chunkSize) {
      const end = Math.min(count, start + chunkSize - 1);
      await client.query("BEGIN");
      await client.query("SET LOCAL session_replication_role = replica");
      const { rows } = await client.query<{ entityId: string }>(
        `WITH inserted AS (
           INSERT INTO "Asset" ("orgId", "id", "name", "serialNumber", "location", "notes", "status", "updatedBy", "updatedAt")
           SELECT $1, gen_random_uuid()::text, 'Asset ' || g, 'SN-' || g, 'Site ' || (g % 97), $2, 'OPERATIONAL', 'bench', now() AT TIME ZONE 'UTC'
           FROM generate_series($3::int, $4::int) g
           RETURNING *),
         shaped AS (SELECT i."orgId", i."id", fieldsync_entity_data('"Asset"'::regclass, to_jsonb(i)) AS data FROM inserted i),
         summed AS (SELECT s.*, encode(sha256(convert_to(fieldsync_canonical(s.data), 'UTF8')), 'hex') AS sum FROM shaped s),
         meta AS (
           INSERT INTO "SyncMetadata" ("orgId", "entityType", "entityId", "version", "lastModifiedBy", "lastModifiedAt", "checksum")
           SELECT "orgId", 'asset', "id", 1, 'bench', now() AT TIME ZONE 'UTC', sum FROM summed)
         INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "checksum", "data", "actor", "createdAt")
         SELECT "orgId", 'asset', "id", 'CREATE', 1, sum, data, 'bench', now() AT TIME ZONE 'UTC' FROM summed
         RETURNING "entityId"`,
        [orgId, notes(0), start, end],
      );
      await client.query("COMMIT");
      if (returnIds) ids.push(...rows.map((r) => r.entityId));
    }
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return ids;
}

/**
 * Older history: every asset of the organization gets UPDATE log entries up to `versions`, so the
 * change log is `versions` times the entity count (its metadata follows).
 */
export async function seedHistory(pool: pg.Pool, orgId: string, versions: number) {
  await pool.query(
    `INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "checksum", "data", "actor", "createdAt")
     SELECT c."orgId", c."entityType", c."entityId", 'UPDATE', k, c."checksum", c."data", 'bench', c."createdAt"
     FROM "ChangeLog" c CROSS JOIN generate_series(2, $2::int) k
     WHERE c."orgId" = $1 AND c."operation" = 'CREATE' AND c."actor" = 'bench'`,
    [orgId, versions],
  );
  await pool.query(`UPDATE "SyncMetadata" SET "version" = $2 WHERE "orgId" = $1 AND "lastModifiedBy" = 'bench'`, [orgId, versions]);
}

/** The baseline's table: the same columns plus a version, no trigger, no log. */
export async function createBaselineTable(pool: pg.Pool) {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS bench_entity (
      org_id text NOT NULL, id text NOT NULL, name text, serial_number text, location text, notes text, status text,
      version int NOT NULL, deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (org_id, id))`);
}

/** Copies the organization's live assets (with their versions) into the baseline table. */
export async function syncBaselineTable(pool: pg.Pool, orgId: string) {
  await pool.query(
    `INSERT INTO bench_entity (org_id, id, name, serial_number, location, notes, status, version)
     SELECT a."orgId", a."id", a."name", a."serialNumber", a."location", a."notes", a."status"::text, m."version"
     FROM "Asset" a JOIN "SyncMetadata" m ON m."orgId" = a."orgId" AND m."entityType" = 'asset' AND m."entityId" = a."id"
     WHERE a."orgId" = $1
     ON CONFLICT (org_id, id) DO NOTHING`,
    [orgId],
  );
}
