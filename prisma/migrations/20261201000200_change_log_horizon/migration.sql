-- A bounded change log (docs/reliability.md "Bounded log and horizon"): ChangeLog becomes a table
-- partitioned by week of "createdAt", so the worker drops a week older than the horizon in constant
-- time (DETACH PARTITION CONCURRENTLY, then DROP) instead of deleting rows. Pulls read it by
-- (txid, seq) as before: partitioning changes where rows live, not their order.
--
-- The primary key must include the partition key: (seq, createdAt). seq stays unique (one sequence).
-- No DEFAULT partition: DETACH ... CONCURRENTLY is refused when one exists. Weeks are created
-- ahead (fieldsync_log_partitions_ahead) by this migration, the worker, and an embedded server.

ALTER TABLE "ChangeLog" RENAME TO "ChangeLog_unpartitioned";
ALTER TABLE "ChangeLog_unpartitioned" RENAME CONSTRAINT "ChangeLog_pkey" TO "ChangeLog_unpartitioned_pkey";
ALTER INDEX "ChangeLog_orgId_txid_seq_idx" RENAME TO "ChangeLog_unpartitioned_txid_idx";
ALTER INDEX "ChangeLog_orgId_entityType_entityId_version_idx" RENAME TO "ChangeLog_unpartitioned_entity_idx";
ALTER INDEX "ChangeLog_orgId_createdAt_idx" RENAME TO "ChangeLog_unpartitioned_createdAt_idx";
DROP TRIGGER fieldsync_append_only ON "ChangeLog_unpartitioned";

CREATE TABLE "ChangeLog" (
    "seq" BIGINT NOT NULL DEFAULT nextval('"ChangeLog_seq_seq"'),
    "txid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "orgId" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "operation" "SyncOperation" NOT NULL,
    "version" INTEGER NOT NULL,
    "checksum" TEXT,
    "data" JSONB,
    "actor" TEXT NOT NULL,
    "originClientId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChangeLog_pkey" PRIMARY KEY ("seq", "createdAt")
) PARTITION BY RANGE ("createdAt");
ALTER SEQUENCE "ChangeLog_seq_seq" OWNED BY "ChangeLog"."seq";

CREATE INDEX "ChangeLog_orgId_txid_seq_idx" ON "ChangeLog"("orgId", "txid", "seq");
CREATE INDEX "ChangeLog_orgId_entityType_entityId_version_idx" ON "ChangeLog"("orgId", "entityType", "entityId", "version");
CREATE INDEX "ChangeLog_orgId_createdAt_idx" ON "ChangeLog"("orgId", "createdAt");

-- Row triggers on the parent apply to every partition; dropping a partition fires none.
CREATE TRIGGER fieldsync_append_only BEFORE UPDATE OR DELETE ON "ChangeLog"
  FOR EACH ROW EXECUTE FUNCTION fieldsync_append_only();

-- The week holding `instant` (Monday 00:00 UTC, seven days), named "ChangeLog_wYYYYMMDD", created
-- if missing. Created apart and then attached: ATTACH takes only SHARE UPDATE EXCLUSIVE on
-- ChangeLog (CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE and stop pushes and pulls);
-- a CHECK spares ATTACH the scan. Serialised by an advisory lock, so concurrent callers are safe.
CREATE FUNCTION fieldsync_log_partition(instant timestamp) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  lower_bound timestamp := date_trunc('week', instant);
  upper_bound timestamp := date_trunc('week', instant) + interval '7 days';
  part text := 'ChangeLog_w' || to_char(date_trunc('week', instant), 'YYYYMMDD');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('fieldsync_log_partition'));
  IF to_regclass(format('%I', part)) IS NULL THEN
    EXECUTE format('CREATE TABLE %I (LIKE "ChangeLog" INCLUDING DEFAULTS)', part);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK ("createdAt" >= %L AND "createdAt" < %L)',
      part, part || '_range', lower_bound, upper_bound);
    EXECUTE format('ALTER TABLE "ChangeLog" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lower_bound, upper_bound);
    -- The partition bound now says the same; Prisma's schema describer fails on partitions' CHECKs.
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
  END IF;
  RETURN part;
END $$;

-- This week and the `weeks` after it. Writes to a week without a partition fail, so callers keep
-- several weeks ahead of the clock.
CREATE FUNCTION fieldsync_log_partitions_ahead(weeks int) RETURNS void
LANGUAGE sql AS $$
  SELECT fieldsync_log_partition((now() AT TIME ZONE 'UTC') + make_interval(days => 7 * w)) FROM generate_series(0, weeks) w;
$$;

-- The existing rows keep their seq and txid, so every issued cursor stays valid.
SELECT fieldsync_log_partition(w)
FROM generate_series(
  date_trunc('week', COALESCE((SELECT min("createdAt") FROM "ChangeLog_unpartitioned"), now() AT TIME ZONE 'UTC')),
  now() AT TIME ZONE 'UTC', interval '7 days') w;
SELECT fieldsync_log_partitions_ahead(4);
INSERT INTO "ChangeLog" SELECT * FROM "ChangeLog_unpartitioned";
DROP TABLE "ChangeLog_unpartitioned";

-- Where each organization's log now starts: the last position among its dropped rows (a cursor
-- at or after it has missed nothing) and the instant before which its rows are gone. A cursor
-- before it is answered resetRequired (packages/api/src/sync/horizon.ts). Recorded before a
-- partition is detached, so no pull ever reads past a gap unknowingly. txid as a bigint (an xid8
-- below 2^63, which any real one is): Prisma cannot write a model with a required unsupported type.
CREATE TABLE "SyncLogHorizon" (
    "orgId" TEXT NOT NULL,
    "txid" BIGINT NOT NULL,
    "seq" BIGINT NOT NULL,
    "before" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncLogHorizon_pkey" PRIMARY KEY ("orgId")
);
