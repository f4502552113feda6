-- Version tracking, set-wise. Same bookkeeping as the row-level `fieldsync_track` it replaces
-- (version bump, checksum, ChangeLog row, all in the writing transaction, for any writer), done
-- once per statement over its transition table. Per row, the old trigger ran PL/pgSQL, looked the
-- table's columns up in pg_attribute and canonicalized the entity recursively (~0.2 ms a row, most
-- of a 500-change push's database time); the entity and its canonical text are now plain SQL
-- expressions generated from the catalog once per statement.

-- SQL rendering a row of `rel` (under `alias`) as entity data, the jsonb `fieldsync_entity_data`
-- gives, and as canonical JSON text, what `fieldsync_canonical` gives for that jsonb (and
-- @fieldsync/sync-core `canonicalJson` in Node and browsers): keys in byte order, scalars as
-- jsonb writes them, nested values through fieldsync_canonical.
CREATE FUNCTION fieldsync_entity_sql(rel regclass, alias text, OUT data_sql text, OUT canonical_sql text)
LANGUAGE sql STABLE AS $$
  WITH columns AS (
    SELECT a.attname::text AS name,
      CASE a.atttypid
        WHEN 'timestamp'::regtype THEN format('to_jsonb(to_char(%I.%I, %L))', alias, a.attname, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        WHEN 'timestamptz'::regtype THEN format('to_jsonb(to_char(%I.%I AT TIME ZONE %L, %L))', alias, a.attname, 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        ELSE format('to_jsonb(%I.%I)', alias, a.attname)
      END AS value,
      -- arrays, composites, json and jsonb may hold objects, whose keys need sorting
      t.typcategory IN ('A', 'C', 'U') AS nested
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname <> ALL (ARRAY['id', 'orgId', 'version', 'checksum', 'createdAt', 'updatedAt', 'createdBy',
                                  'updatedBy', 'deletedAt', 'lastModifiedBy', 'lastModifiedAt'])
  )
  SELECT
    'jsonb_build_object(' || coalesce(string_agg(format('%L, %s', name, value), ', ' ORDER BY name COLLATE "C"), '') || ')',
    '''{'' || ' || coalesce(string_agg(
      format('%L || coalesce(%s, ''null'')', to_jsonb(name)::text || ':',
             CASE WHEN nested THEN format('fieldsync_canonical(%s)', value) ELSE format('(%s)::text', value) END),
      ' || '','' || ' ORDER BY name COLLATE "C"), '''''') || ' || ''}'''
  FROM columns
$$;

-- Who and which device wrote: as before, `fieldsync.actor` / `fieldsync.origin_client` set by the
-- sync service for its transaction, else the row's updatedBy (stamped by the Prisma extension),
-- else 'system'.
CREATE FUNCTION fieldsync_track_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  deleting boolean := TG_OP = 'DELETE';
  render record;
BEGIN
  SELECT * INTO render FROM fieldsync_entity_sql(TG_RELID, 'r');
  EXECUTE format($sql$
    WITH rendered AS (
      SELECT row_number() OVER () AS ord, r."orgId" AS org, r."id" AS eid, %s AS entity, %s AS canonical,
             coalesce(nullif(current_setting('fieldsync.actor', true), ''), %s, 'system') AS actor
      FROM %I r
    ), changed AS (
      SELECT ord, org, eid, entity, encode(sha256(convert_to(canonical, 'UTF8')), 'hex') AS sum, actor FROM rendered
    ), versioned AS (
      INSERT INTO "SyncMetadata" AS m ("id", "orgId", "entityType", "entityId", "version", "lastModifiedBy", "lastModifiedAt", "checksum", "deletedAt")
      SELECT gen_random_uuid()::text, org, $1, eid, 1, actor, $2, sum, CASE WHEN $3 THEN $2 END FROM changed
      ON CONFLICT ("orgId", "entityType", "entityId") DO UPDATE
        SET "version" = m."version" + 1, "lastModifiedBy" = excluded."lastModifiedBy", "lastModifiedAt" = excluded."lastModifiedAt",
            "checksum" = excluded."checksum", "deletedAt" = excluded."deletedAt"
      RETURNING m."orgId", m."entityId", m."version"
    )
    INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "checksum", "data", "actor", "originClientId", "createdAt")
    SELECT c.org, $1, c.eid, $4::"SyncOperation", v."version", c.sum, c.entity, c.actor,
           nullif(current_setting('fieldsync.origin_client', true), ''), $2
    FROM changed c JOIN versioned v ON v."orgId" = c.org AND v."entityId" = c.eid
    ORDER BY c.ord
  $sql$,
    CASE WHEN deleting THEN 'NULL::jsonb' ELSE render.data_sql END,
    CASE WHEN deleting THEN 'NULL::text' ELSE render.canonical_sql END,
    CASE WHEN deleting THEN 'NULL' ELSE 'r."updatedBy"' END,
    CASE WHEN deleting THEN 'old_rows' ELSE 'new_rows' END)
  USING TG_ARGV[0], now() AT TIME ZONE 'UTC', deleting,
        CASE TG_OP WHEN 'INSERT' THEN 'CREATE' WHEN 'UPDATE' THEN 'UPDATE' ELSE 'DELETE' END;
  RETURN NULL;
END $$;

-- Row-level, but only evaluated in C unless an update really moves a row to another org or id.
CREATE FUNCTION fieldsync_identity_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the organization and id of a synced entity never change' USING ERRCODE = 'check_violation';
END $$;

-- Attach tracking to an entity table; a migration adding an entity type calls this once.
-- (Transition tables allow one event per trigger, hence three.)
CREATE OR REPLACE FUNCTION fieldsync_attach(tbl regclass, entity_type text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS fieldsync_track ON %s', tbl);
  EXECUTE format('CREATE TRIGGER fieldsync_identity_guard BEFORE UPDATE ON %s FOR EACH ROW
                  WHEN (NEW."orgId" IS DISTINCT FROM OLD."orgId" OR NEW."id" IS DISTINCT FROM OLD."id")
                  EXECUTE FUNCTION fieldsync_identity_guard()', tbl);
  EXECUTE format('CREATE TRIGGER fieldsync_track_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION fieldsync_track_rows(%L)', tbl, entity_type);
  EXECUTE format('CREATE TRIGGER fieldsync_track_update AFTER UPDATE ON %s REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION fieldsync_track_rows(%L)', tbl, entity_type);
  EXECUTE format('CREATE TRIGGER fieldsync_track_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION fieldsync_track_rows(%L)', tbl, entity_type);
END $$;

-- Move every tracked table (including entity types added by later generators' migrations that
-- already ran) to the statement-level triggers.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tgrelid::regclass AS tbl, split_part(encode(tgargs, 'escape'), '\000', 1) AS entity_type
           FROM pg_trigger WHERE tgname = 'fieldsync_track' LOOP
    PERFORM fieldsync_attach(t.tbl, t.entity_type);
  END LOOP;
END $$;

DROP FUNCTION fieldsync_track();
