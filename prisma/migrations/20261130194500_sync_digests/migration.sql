-- Per-bucket digests of the live synced entities, for clients to verify their replica and repair
-- only what differs (docs/reliability.md "Verification and repair"; the same digest in Node and
-- browsers: @fieldsync/sync-core digest.ts).
--
-- An entity's bucket is the first byte of the SHA-256 of its id (UTF-8); its digest value is the
-- first 16 hex digits of its checksum read as an unsigned 64-bit number; a bucket's digest is the
-- sum of its live entities' values modulo 2^64, so it does not depend on order and one write
-- changes it by a difference. Tombstones (deletedAt) leave it.
--
-- Maintained by statement-level triggers on SyncMetadata, which the tracking triggers of every
-- entity table write in the writing transaction: Prisma calls, raw SQL, cascaded deletes and
-- direct SyncMetadata writes (the bench seed) all reach it. Each statement appends one row per
-- bucket it changed instead of updating a row per bucket: concurrent pushes touching the same
-- buckets would otherwise queue on those rows until commit (or deadlock across statements).

-- CreateTable
CREATE TABLE "SyncDigestDelta" (
    "id" BIGSERIAL NOT NULL,
    "orgId" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "bucket" INTEGER NOT NULL,
    "checksumSum" DECIMAL(40,0) NOT NULL,
    "entities" INTEGER NOT NULL,

    CONSTRAINT "SyncDigestDelta_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SyncDigestDelta_orgId_entityType_idx" ON "SyncDigestDelta"("orgId", "entityType");

-- SHA-256 of an entity id, lowercase hex: buckets are its prefixes (two digits at the top level).
CREATE FUNCTION fieldsync_id_hash(id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(id, 'UTF8')), 'hex')
$$;

-- A checksum's digest value: its first 16 hex digits as an unsigned 64-bit number.
CREATE FUNCTION fieldsync_checksum_value(checksum text) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT v::numeric + CASE WHEN v < 0 THEN 18446744073709551616 ELSE 0 END
  FROM (SELECT ('x' || substr(checksum, 1, 16))::bit(64)::bigint AS v) s
$$;

-- A sum of digest values reduced to [0, 2^64).
CREATE FUNCTION fieldsync_digest_mod(total numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT mod(mod(total, 18446744073709551616) + 18446744073709551616, 18446744073709551616)
$$;

-- A SyncMetadata row adds its value to its bucket while live with a checksum: the insert trigger
-- adds new rows, the update trigger adds new and takes away old, the delete trigger takes away.
CREATE FUNCTION fieldsync_digest_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "SyncDigestDelta" ("orgId", "entityType", "bucket", "checksumSum", "entities")
  SELECT "orgId", "entityType", get_byte(sha256(convert_to("entityId", 'UTF8')), 0), sum(fieldsync_checksum_value("checksum")), count(*)
  FROM new_rows WHERE "deletedAt" IS NULL AND "checksum" IS NOT NULL
  GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION fieldsync_digest_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "SyncDigestDelta" ("orgId", "entityType", "bucket", "checksumSum", "entities")
  SELECT "orgId", "entityType", get_byte(sha256(convert_to("entityId", 'UTF8')), 0), sum(term), sum(n)
  FROM (
    SELECT "orgId", "entityType", "entityId", fieldsync_checksum_value("checksum") AS term, 1 AS n
    FROM new_rows WHERE "deletedAt" IS NULL AND "checksum" IS NOT NULL
    UNION ALL
    SELECT "orgId", "entityType", "entityId", -fieldsync_checksum_value("checksum"), -1
    FROM old_rows WHERE "deletedAt" IS NULL AND "checksum" IS NOT NULL
  ) terms
  GROUP BY 1, 2, 3
  HAVING sum(term) <> 0 OR sum(n) <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION fieldsync_digest_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "SyncDigestDelta" ("orgId", "entityType", "bucket", "checksumSum", "entities")
  SELECT "orgId", "entityType", get_byte(sha256(convert_to("entityId", 'UTF8')), 0), -sum(fieldsync_checksum_value("checksum")), -count(*)
  FROM old_rows WHERE "deletedAt" IS NULL AND "checksum" IS NOT NULL
  GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

-- (Transition tables allow one event per trigger, hence three.)
CREATE TRIGGER fieldsync_digest_insert AFTER INSERT ON "SyncMetadata" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fieldsync_digest_insert();
CREATE TRIGGER fieldsync_digest_update AFTER UPDATE ON "SyncMetadata" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fieldsync_digest_update();
CREATE TRIGGER fieldsync_digest_delete AFTER DELETE ON "SyncMetadata" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fieldsync_digest_delete();

-- Entities that exist already.
INSERT INTO "SyncDigestDelta" ("orgId", "entityType", "bucket", "checksumSum", "entities")
SELECT "orgId", "entityType", get_byte(sha256(convert_to("entityId", 'UTF8')), 0), fieldsync_digest_mod(sum(fieldsync_checksum_value("checksum"))), count(*)
FROM "SyncMetadata" WHERE "deletedAt" IS NULL AND "checksum" IS NOT NULL
GROUP BY 1, 2, 3;
