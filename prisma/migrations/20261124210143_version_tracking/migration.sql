-- Version tracking for synced entities, in the database so that every write is covered: Prisma
-- calls, raw SQL, updateMany, cascaded deletes. Each row write bumps SyncMetadata.version, stores
-- the checksum and appends to ChangeLog in the writing transaction.
--
-- Checksums: SHA-256 of the canonical JSON of the entity's synced fields, byte-identical to
-- @fieldsync/sync-core `checksum(toEntityData(...))` (keys sorted, no whitespace, timestamps as
-- UTC ISO strings with milliseconds). Server-owned columns (below and in
-- packages/schema serverOwnedFields) are not part of the entity.

CREATE OR REPLACE FUNCTION fieldsync_canonical(v jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  result text;
BEGIN
  CASE jsonb_typeof(v)
    WHEN 'object' THEN
      SELECT '{' || coalesce(string_agg(to_jsonb(key)::text || ':' || fieldsync_canonical(value), ',' ORDER BY key COLLATE "C"), '') || '}'
        INTO result FROM jsonb_each(v);
    WHEN 'array' THEN
      SELECT '[' || coalesce(string_agg(fieldsync_canonical(value), ',' ORDER BY ord), '') || ']'
        INTO result FROM jsonb_array_elements(v) WITH ORDINALITY AS e(value, ord);
    ELSE
      result := v::text;
  END CASE;
  RETURN result;
END $$;

CREATE OR REPLACE FUNCTION fieldsync_entity_data(rel regclass, r jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_object_agg(a.attname,
    CASE
      WHEN jsonb_typeof(r -> a.attname) = 'string' AND a.atttypid = 'timestamp'::regtype
        THEN to_jsonb(to_char((r ->> a.attname)::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      WHEN jsonb_typeof(r -> a.attname) = 'string' AND a.atttypid = 'timestamptz'::regtype
        THEN to_jsonb(to_char((r ->> a.attname)::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      ELSE r -> a.attname
    END), '{}'::jsonb)
  FROM pg_attribute a
  WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
    AND a.attname <> ALL (ARRAY['id', 'orgId', 'version', 'checksum', 'createdAt', 'updatedAt', 'createdBy',
                                'updatedBy', 'deletedAt', 'lastModifiedBy', 'lastModifiedAt'])
$$;

-- Who and which device wrote: the sync service sets `fieldsync.actor` / `fieldsync.origin_client`
-- for its transaction (set_config(..., true)); other writers fall back to the row's updatedBy
-- (stamped by the Prisma extension in packages/db) or 'system'.
CREATE OR REPLACE FUNCTION fieldsync_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  entity_type text := TG_ARGV[0];
  org text;
  eid text;
  entity jsonb;
  sum text;
  ver int;
  op "SyncOperation";
  actor text;
  at timestamp := now() AT TIME ZONE 'UTC';
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW."orgId" IS DISTINCT FROM OLD."orgId" OR NEW."id" IS DISTINCT FROM OLD."id") THEN
    RAISE EXCEPTION 'the organization and id of a synced entity never change' USING ERRCODE = 'check_violation';
  END IF;
  actor := coalesce(nullif(current_setting('fieldsync.actor', true), ''),
                    CASE WHEN TG_OP <> 'DELETE' THEN NEW."updatedBy" END, 'system');
  IF TG_OP = 'DELETE' THEN
    org := OLD."orgId"; eid := OLD."id"; op := 'DELETE';
  ELSE
    org := NEW."orgId"; eid := NEW."id";
    op := CASE TG_OP WHEN 'INSERT' THEN 'CREATE' ELSE 'UPDATE' END;
    entity := fieldsync_entity_data(TG_RELID, to_jsonb(NEW));
    sum := encode(sha256(convert_to(fieldsync_canonical(entity), 'UTF8')), 'hex');
  END IF;

  INSERT INTO "SyncMetadata" AS m ("id", "orgId", "entityType", "entityId", "version", "lastModifiedBy", "lastModifiedAt", "checksum", "deletedAt")
  VALUES (gen_random_uuid()::text, org, entity_type, eid, 1, actor, at, sum, CASE WHEN op = 'DELETE' THEN at END)
  ON CONFLICT ("orgId", "entityType", "entityId") DO UPDATE
    SET "version" = m."version" + 1, "lastModifiedBy" = excluded."lastModifiedBy", "lastModifiedAt" = excluded."lastModifiedAt",
        "checksum" = excluded."checksum", "deletedAt" = excluded."deletedAt"
  RETURNING m."version" INTO ver;

  INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "checksum", "data", "actor", "originClientId", "createdAt")
  VALUES (org, entity_type, eid, op, ver, sum, entity, actor, nullif(current_setting('fieldsync.origin_client', true), ''), at);
  RETURN NULL;
END $$;

-- Attach tracking to an entity table; a migration adding an entity type calls this once.
CREATE OR REPLACE FUNCTION fieldsync_attach(tbl regclass, entity_type text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER fieldsync_track AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION fieldsync_track(%L)', tbl, entity_type);
END $$;

SELECT fieldsync_attach('"Asset"', 'asset');
SELECT fieldsync_attach('"Task"', 'task');
SELECT fieldsync_attach('"Schedule"', 'schedule');

-- The change log is append-only: delta cursors and conflict bases depend on it.
CREATE OR REPLACE FUNCTION fieldsync_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '"ChangeLog" is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER fieldsync_append_only BEFORE UPDATE OR DELETE ON "ChangeLog"
  FOR EACH ROW EXECUTE FUNCTION fieldsync_append_only();
