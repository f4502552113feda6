-- SyncMetadata is keyed by what it describes, (orgId, entityType, entityId): its surrogate `id`
-- (a random UUID nothing looked rows up by) was one more index every create wrote to at a random
-- page, which at a million entities made a push read and log a cold page it did not need. The
-- unique index on the natural key becomes the primary key as it is (no rebuild).
ALTER TABLE "SyncMetadata" DROP CONSTRAINT "SyncMetadata_pkey";
ALTER TABLE "SyncMetadata" ADD CONSTRAINT "SyncMetadata_pkey" PRIMARY KEY USING INDEX "SyncMetadata_orgId_entityType_entityId_key";

-- The tracking trigger as in 20261124234600_statement_tracking, without the id.
CREATE OR REPLACE FUNCTION fieldsync_track_rows() RETURNS trigger
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
      INSERT INTO "SyncMetadata" AS m ("orgId", "entityType", "entityId", "version", "lastModifiedBy", "lastModifiedAt", "checksum", "deletedAt")
      SELECT org, $1, eid, 1, actor, $2, sum, CASE WHEN $3 THEN $2 END FROM changed
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

ALTER TABLE "SyncMetadata" DROP COLUMN "id";
