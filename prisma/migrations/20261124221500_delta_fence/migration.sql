-- The delta fence: change-log rows are handed out only below it, so a transaction that commits
-- late can never land behind a cursor that already moved past it.
--
-- pg_snapshot_xmin alone is cluster-wide: a transaction left open in any other database would
-- hold back every device's pulls. This fence takes the transactions in progress at the query's
-- snapshot and ignores only those positively seen running in another database; any it cannot
-- place (ours, one that ended meanwhile, a session whose details are hidden) still fences. Rows
-- below the result are therefore committed (or rolled back) and visible to the same snapshot.
CREATE OR REPLACE FUNCTION fieldsync_delta_fence() RETURNS xid8
LANGUAGE sql STABLE AS $$
  SELECT least(pg_snapshot_xmax(s), (
    SELECT min(x) FROM pg_snapshot_xip(s) AS x
    WHERE NOT EXISTS (
      SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = xid(x) AND a.datname <> current_database())))
  FROM (SELECT pg_current_snapshot() AS s) AS snap
$$;
