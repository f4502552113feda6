-- The delta fence on a hot standby (DATABASE_READ_URL). There, pg_current_snapshot() leaves its
-- list of running transactions empty: a standby keeps the primary's running xids (as replayed so
-- far) apart from its own snapshot's xip, so the old fence came out at xmax and a pull handed out
-- a replayed commit while an older transaction, still open on the primary, could commit behind
-- the cursor. The snapshot's xmin does reflect them (the oldest transaction the standby knows to
-- be running on the primary, in any database; one whose commit is not replayed yet still runs
-- there): on a standby the fence is that xmin. On the primary nothing changes.
CREATE OR REPLACE FUNCTION fieldsync_delta_fence() RETURNS xid8
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN pg_is_in_recovery() THEN pg_snapshot_xmin(s) ELSE least(pg_snapshot_xmax(s), (
    SELECT min(x) FROM pg_snapshot_xip(s) AS x
    WHERE NOT EXISTS (
      SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = xid(x) AND a.datname <> current_database()))) END
  FROM (SELECT pg_current_snapshot() AS s) AS snap
$$;
