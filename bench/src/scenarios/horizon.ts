import { randomUUID } from "node:crypto";
import { detachLogPartition, dropDetachedPartition, logPartitionsBefore } from "@fieldsync/api";
import { createDb } from "@fieldsync/db";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { seedAssets } from "../seed.ts";
import type { BenchServer } from "../server.ts";
import { elapsedMs, inParallel, now, summarize } from "../stats.ts";

const day = 86_400_000;
/** Pushes and pulls (each) finished before the drop starts, per repeat: the baseline (same state of the database). */
const baselineOps = 20;
/** Devices pushing and devices pulling at once, so that enough operations fall inside each drop. */
const lanes = 4;

/**
 * H1. The bounded log: a week of `deltaLogRows` change-log rows past the horizon is dropped
 * (horizon recorded, DETACH PARTITION CONCURRENTLY, DROP) while a device pushes and another pulls.
 * H1-detach: taking the week out of ChangeLog (horizon + detach, the part syncs could wait on);
 * H1-drop: the whole, with the DROP of the detached table; both against DELETE of the same rows
 * from an unpartitioned copy (what a log without partitions would do). H1-push-during /
 * H1-delta-during: pushes and pulls overlapping the drop, against those of the same traffic that
 * finished before it started, in the same repeat.
 * The dropped rows are another organization's (the horizon is per organization, so the devices
 * measured keep their cursors and do not reset); they share the table, its partitions and locks.
 */
export async function horizonScenarios(server: BenchServer, options: BenchOptions): Promise<ResultRow[]> {
  const logRows = options.deltaLogRows;
  const repeats = Math.min(options.repeats, 3);
  const db = createDb(server.databaseUrl);
  const oldOrg = `bench-horizon-${randomUUID()}`;
  await seedAssets(server.pool, server.orgId, 1000);

  // The pulling devices, caught up to the head; they follow what the pushing devices write.
  const tokens: (string | null)[] = [];
  for (let lane = 0; lane < lanes; lane++) {
    let token: string | null = null;
    for (;;) {
      const page = await server.delta(`bench-h1-pull-${lane}`, token, 1000);
      token = page.nextPageToken;
      if (!page.hasMore) break;
    }
    tokens.push(token);
  }
  /** An operation's start and end (hrtime) and kind. */
  interface Op {
    kind: "push" | "delta";
    start: bigint;
    end: bigint;
  }
  /**
   * `lanes` devices pushing and `lanes` pulling, one operation at a time each, until `stop()`;
   * `ready` resolves once `baselineOps` pushes and pulls have finished.
   */
  const traffic = (stop: () => boolean) => {
    const ops: Op[] = [];
    let signal: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (signal = resolve));
    const record = (op: Op) => {
      ops.push(op);
      const count = (kind: Op["kind"]) => ops.filter((o) => o.kind === kind).length;
      if (count("push") >= baselineOps && count("delta") >= baselineOps) signal();
    };
    const pushing = inParallel(lanes, async (lane) => {
      while (!stop()) {
        const start = now();
        await server.push(`bench-h1-push-${lane}`, [{ changeId: randomUUID(), entityType: "asset", entityId: randomUUID(), operation: "CREATE", clientVersion: 0, payload: { name: "During" }, timestamp: new Date().toISOString() }]);
        record({ kind: "push", start, end: now() });
      }
    });
    const pulling = inParallel(lanes, async (lane) => {
      while (!stop()) {
        const start = now();
        const page = await server.delta(`bench-h1-pull-${lane}`, tokens[lane]!, 1000);
        record({ kind: "delta", start, end: now() });
        if (page.resetRequired) throw new Error("a pulling device was reset: its cursor predates the horizon");
        tokens[lane] = page.nextPageToken;
      }
    });
    const done = Promise.all([pushing, pulling]);
    // A failed operation ends the wait too, with its error.
    return { ops, ready: Promise.race([ready, done.then(() => undefined)]), done };
  };
  const ms = (op: Op) => Number(op.end - op.start) / 1e6;
  const pushMs: number[] = [];
  const deltaMs: number[] = [];

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

      const cutoff = new Date(Date.now() - 30 * day);
      const [week] = (await logPartitionsBefore(db, cutoff)).filter((p) => p.name === part);
      if (!week) throw new Error(`${part} is not past the horizon`);
      // Traffic runs before, during and just after the drop: the operations that finished before it
      // started are the baseline, those overlapping it are "during".
      let stopped = false;
      const load = traffic(() => stopped);
      await load.ready;
      const start = now();
      let end = start;
      try {
        await detachLogPartition(db, week);
        detachOurs.push(elapsedMs(start));
        await dropDetachedPartition(db, part);
        end = now();
        dropOurs.push(Number(end - start) / 1e6);
      } finally {
        stopped = true;
        await load.done;
      }
      for (const op of load.ops) {
        const during = op.start < end && op.end > start;
        if (during) (op.kind === "push" ? pushMs : deltaMs).push(ms(op));
        else if (op.end <= start) (op.kind === "push" ? basePush : baseDelta).push(ms(op));
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
  const push = duringRow("H1-push-during", `H1 push latency (1 change, ${lanes} devices pushing) while the week is dropped, ${pushMs.length} pushes overlapping ${repeats} drops`, pushMs, basePush, "pushes", "push");
  const delta = duringRow("H1-delta-during", `H1 delta latency (${lanes} caught-up devices pulling) while the week is dropped, ${deltaMs.length} pulls overlapping ${repeats} drops`, deltaMs, baseDelta, "pulls", "pull");
  return [detach, drop, push, delta];
}

/** A latency row of requests overlapping the drops against the same traffic finished before them (met: the drop blocks none). */
function duringRow(id: string, scenario: string, during: number[], before: number[], requests: string, request: string): ResultRow {
  const result = row({
    id,
    scenario,
    unit: "ms",
    higherIsBetter: false,
    ours: summarize(during),
    baseline: summarize(before),
    baselineLabel: `${before.length} ${requests} finished before each drop started (same traffic, same run)`,
    target: `≥ 0.8× (the drop blocks no ${request})`,
    met: null,
  });
  result.met = result.ratio! >= 0.8;
  return result;
}
