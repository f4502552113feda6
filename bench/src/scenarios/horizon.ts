import { randomUUID } from "node:crypto";
import { detachLogPartition, dropDetachedPartition, logPartitionsBefore } from "@fieldsync/api";
import { createDb } from "@fieldsync/db";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { seedAssets } from "../seed.ts";
import type { BenchServer } from "../server.ts";
import { elapsedMs, now, summarize } from "../stats.ts";

const day = 86_400_000;
/** Pushes and pulls of the baseline per repeat, measured just before the drop (same state of the database). */
const baselineOps = 10;

/**
 * H1. The bounded log: a week of `deltaLogRows` change-log rows past the horizon is dropped
 * (horizon recorded, DETACH PARTITION CONCURRENTLY, DROP) while a device pushes and another pulls.
 * H1-detach: taking the week out of ChangeLog (horizon + detach, the part syncs could wait on);
 * H1-drop: the whole, with the DROP of the detached table; both against DELETE of the same rows
 * from an unpartitioned copy (what a log without partitions would do). H1-push-during /
 * H1-delta-during: pushes and pulls started while the drop ran, against the same operations just
 * before it with no drop running, in the same repeat.
 * The dropped rows are another organization's (the horizon is per organization, so the devices
 * measured keep their cursors and do not reset); they share the table, its partitions and locks.
 */
export async function horizonScenarios(server: BenchServer, options: BenchOptions): Promise<ResultRow[]> {
  const logRows = options.deltaLogRows;
  const repeats = Math.min(options.repeats, 3);
  const db = createDb(server.databaseUrl);
  const oldOrg = `bench-horizon-${randomUUID()}`;
  await seedAssets(server.pool, server.orgId, 1000);

  // The pulling device, caught up to the head; it follows what the pushing device writes.
  let token: string | null = null;
  for (;;) {
    const page = await server.delta("bench-h1-pull", token, 1000);
    token = page.nextPageToken;
    if (!page.hasMore) break;
  }
  const pushMs: number[] = [];
  const deltaMs: number[] = [];
  /** One push and one pull at a time while `more()`, their latencies appended to `push` and `delta`. */
  const traffic = async (push: number[], delta: number[], more: () => boolean) => {
    while (more()) {
      let t = now();
      await server.push("bench-h1-push", [{ changeId: randomUUID(), entityType: "asset", entityId: randomUUID(), operation: "CREATE", clientVersion: 0, payload: { name: "During" }, timestamp: new Date().toISOString() }]);
      push.push(elapsedMs(t));
      if (!more()) return;
      t = now();
      const page = await server.delta("bench-h1-pull", token, 1000);
      delta.push(elapsedMs(t));
      if (page.resetRequired) throw new Error("the pulling device was reset: its cursor predates the horizon");
      token = page.nextPageToken;
    }
  };

  const detachOurs: number[] = [];
  const dropOurs: number[] = [];
  const dropBase: number[] = [];
  const basePush: number[] = [];
  const baseDelta: number[] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      const ago = 60 + 7 * r;
      const { rows: [created] } = await server.pool.query<{ part: string }>(
        `SELECT fieldsync_log_partition(now() AT TIME ZONE 'UTC' - make_interval(days => $1)) AS part`,
        [ago],
      );
      const part = created!.part;
      await server.pool.query(
        `INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "checksum", "data", "actor", "createdAt")
         SELECT $1, 'asset', gen_random_uuid()::text, 'UPDATE', 2, md5(g::text), jsonb_build_object('name', 'Asset ' || g, 'status', 'OPERATIONAL'), 'bench',
                now() AT TIME ZONE 'UTC' - make_interval(days => $2) + make_interval(secs => g % 3600)
         FROM generate_series(1, $3::int) g`,
        [oldOrg, ago, logRows],
      );
      // The baseline's table: the same rows unpartitioned, indexed by time as ChangeLog is.
      await server.pool.query(`DROP TABLE IF EXISTS bench_log_copy`);
      await server.pool.query(`CREATE TABLE bench_log_copy AS SELECT * FROM "${part}"`);
      await server.pool.query(`CREATE INDEX ON bench_log_copy ("createdAt"); ANALYZE bench_log_copy; ANALYZE "${part}"; CHECKPOINT`);

      const goal = basePush.length + baselineOps;
      await traffic(basePush, baseDelta, () => basePush.length < goal);

      const cutoff = new Date(Date.now() - 30 * day);
      const [week] = (await logPartitionsBefore(db, cutoff)).filter((p) => p.name === part);
      if (!week) throw new Error(`${part} is not past the horizon`);
      let dropping = true;
      const during = traffic(pushMs, deltaMs, () => dropping);
      const t = now();
      try {
        await detachLogPartition(db, week);
        detachOurs.push(elapsedMs(t));
        await dropDetachedPartition(db, part);
        dropOurs.push(elapsedMs(t));
      } finally {
        dropping = false;
        await during;
      }
      const tb = now();
      await server.pool.query(`DELETE FROM bench_log_copy WHERE "createdAt" < $1`, [cutoff.toISOString()]);
      dropBase.push(elapsedMs(tb));
      await server.pool.query(`DROP TABLE bench_log_copy`);
    }
  } finally {
    await db.$disconnect();
  }

  const detach = row({
    id: "H1-detach",
    scenario: `H1 take a week of ${logRows.toLocaleString("en")} change-log rows out of the log (record horizon, DETACH CONCURRENTLY)`,
    unit: "ms",
    higherIsBetter: false,
    ours: summarize(detachOurs),
    baseline: summarize(dropBase),
    baselineLabel: "DELETE of the same rows from an unpartitioned copy indexed by createdAt",
    target: "— (independent of the week's row count)",
    met: null,
  });
  const drop = row({
    id: "H1-drop",
    scenario: `H1 drop a week of ${logRows.toLocaleString("en")} change-log rows past the horizon (H1-detach, then DROP of the detached table)`,
    unit: "ms",
    higherIsBetter: false,
    ours: summarize(dropOurs),
    baseline: summarize(dropBase),
    baselineLabel: "DELETE of the same rows from an unpartitioned copy indexed by createdAt",
    target: "— (the DROP removes files; nothing waits for it)",
    met: null,
  });
  const push = row({
    id: "H1-push-during",
    scenario: `H1 push latency (1 change) while the week is dropped, ${pushMs.length} pushes started during ${repeats} drops`,
    unit: "ms",
    higherIsBetter: false,
    ours: summarize(pushMs),
    baseline: summarize(basePush),
    baselineLabel: `${basePush.length} pushes just before each drop, none running (same run)`,
    target: "≥ 0.8× (the drop blocks no push)",
    met: null,
  });
  push.met = push.ratio! >= 0.8;
  const delta = row({
    id: "H1-delta-during",
    scenario: `H1 delta latency (a caught-up device) while the week is dropped, ${deltaMs.length} pulls started during ${repeats} drops`,
    unit: "ms",
    higherIsBetter: false,
    ours: summarize(deltaMs),
    baseline: summarize(baseDelta),
    baselineLabel: `${baseDelta.length} pulls just before each drop, none running (same run)`,
    target: "≥ 0.8× (the drop blocks no pull)",
    met: null,
  });
  delta.met = delta.ratio! >= 0.8;
  return [detach, drop, push, delta];
}
