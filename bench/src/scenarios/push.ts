import type { SyncChangeInput } from "@fieldsync/schema";
import { EntityPool } from "../data.ts";
import { baselinePush } from "../baseline.ts";
import { type Query, nodePostgres, postgresJs } from "../drivers.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { checkSameWork, seedCheckEntities, statementPush } from "../same-work-check.ts";
import { createSameWork, sameWorkPush, sameWorkSchema } from "../same-work.ts";
import { createBaselineTable, seedAssets, syncBaselineTable } from "../seed.ts";
import type { BenchServer } from "../server.ts";
import { elapsedMs, inParallel, now, percentile, summarize } from "../stats.ts";

type Results = readonly { status: string; version?: number; serverVersion?: number; mergedConflictId?: string | null }[];

export const batchSize = 500;
const poolPerDevice = 400;

/** Pulls from no token to the end; the token of a device that is caught up. */
export async function caughtUpToken(server: Pick<BenchServer, "delta">, deviceId: string) {
  let token: string | null = null;
  for (;;) {
    const page = await server.delta(deviceId, token);
    token = page.nextPageToken;
    if (!page.hasMore) return token;
  }
}

export interface PushFigures {
  /** Median batch latency (ms) of one device. */
  singleBatchMs: number;
}

/** The two baselines each B1/B2 figure is compared with, run in the same rounds as ours. */
const baselines = {
  same: "same durable work, one set-based statement per batch (raw SQL, node-postgres)",
  oneStatement: "reference: one INSERT … ON CONFLICT … WHERE version per batch into a one-table copy (raw pg)",
} as const;
/** `samePostgresJs`: the same-work statement through postgres.js, for the driver row (at `driverDevices` only). */
type Side = "ours" | keyof typeof baselines | "samePostgresJs";
const driverDevices = 8;

/** Rows in the same-work baseline's claim, log and conflict tables. */
async function sameWorkRows(server: BenchServer) {
  const { rows } = await server.pool.query<{ claims: number; logged: number; conflicts: number }>(
    `SELECT (SELECT count(*) FROM ${sameWorkSchema}."SyncQueue")::int AS claims, (SELECT count(*) FROM ${sameWorkSchema}."ChangeLog")::int AS logged,
       (SELECT count(*) FROM ${sameWorkSchema}."SyncConflict")::int AS conflicts`,
  );
  return rows[0]!;
}

/**
 * Fails the scenario unless, over the whole run, the same-work baseline wrote a claim per change, a
 * conflict record per conflict or merge, and a log row per applied change (a merge that changes
 * nothing writes none).
 */
async function checkCounts(server: BenchServer, before: Awaited<ReturnType<typeof sameWorkRows>>, answered: { changes: number; applied: number; conflicts: number; merged: number }) {
  const after = await sameWorkRows(server);
  const wrote = { claims: after.claims - before.claims, logged: after.logged - before.logged, conflicts: after.conflicts - before.conflicts };
  const logged = wrote.logged <= answered.applied && wrote.logged >= answered.applied - answered.merged;
  if (wrote.claims !== answered.changes || !logged || wrote.conflicts !== answered.conflicts + answered.merged) {
    throw new Error(`same-work baseline answered ${JSON.stringify(answered)} but wrote ${JSON.stringify(wrote)}`);
  }
}

/**
 * B1 and B2. Each device edits only its own entities (B1 has no conflicts); devices carry the
 * syncToken each push returns, as real clients do. Per repeat, ours (HTTP to the server process)
 * and both baselines (raw SQL from this process, each device with its own copy of the same
 * entities) run the same batch shapes at the same concurrency, in rotating order; at 8 devices
 * the same-work statement also runs through postgres.js (row B1-8-driver). Before measuring, the
 * same-work baseline is checked to leave the endpoint's rows (same-work-check.ts).
 */
export async function pushScenarios(server: BenchServer, options: BenchOptions): Promise<{ rows: ResultRow[]; figures: PushFigures }> {
  const js = postgresJs(server.databaseUrl, 20);
  try {
    return await measurePushes(server, options, js.query);
  } finally {
    await js.end();
  }
}

async function measurePushes(server: BenchServer, options: BenchOptions, postgresJsQuery: Query): Promise<{ rows: ResultRow[]; figures: PushFigures }> {
  const maxDevices = Math.max(...options.pushDevices);
  const ids = await seedAssets(server.pool, server.orgId, maxDevices * poolPerDevice, true);
  const checkIds = await seedCheckEntities(server);
  await createBaselineTable(server.pool);
  await syncBaselineTable(server.pool, server.orgId);
  // Baseline devices are registered like any device (their first sync), so their claims have a SyncClient.
  const baseDevice = (d: number) => `bench-base-${d}`;
  await inParallel(maxDevices, (d) => server.push(baseDevice(d), []));
  const statement = await createSameWork(server.pool, server.orgId);
  const differences = await checkSameWork(server, statementPush(server, statement), checkIds);
  if (differences.length) throw new Error(`the same-work baseline does other work than the endpoint: ${JSON.stringify(differences).slice(0, 3000)}`);
  const { rows: clients } = await server.pool.query<{ deviceId: string; clientId: string; userId: string }>(
    `SELECT "deviceId", "id" AS "clientId", "userId" FROM "SyncClient" WHERE "orgId" = $1 AND "deviceId" LIKE 'bench-base-%'`,
    [server.orgId],
  );
  const devicesOfBaseline = new Map(clients.map((c) => [c.deviceId, { clientId: c.clientId, userId: c.userId }]));
  await server.pool.query(`ANALYZE`);
  const chunk = (d: number) => ids.slice(d * poolPerDevice, (d + 1) * poolPerDevice);
  const same = Array.from({ length: maxDevices }, (_, d) => new EntityPool(chunk(d)));
  const pools: Record<Side, EntityPool[]> = {
    ours: Array.from({ length: maxDevices }, (_, d) => new EntityPool(chunk(d))),
    // Both drivers write the same baseline tables, one round after the other.
    same,
    samePostgresJs: same,
    oneStatement: Array.from({ length: maxDevices }, (_, d) => new EntityPool(chunk(d))),
  };
  const samePush = (query: Query) => (d: number, changes: SyncChangeInput[]) =>
    sameWorkPush(query, statement, server.orgId, devicesOfBaseline.get(baseDevice(d))!, changes);
  const start = await caughtUpToken(server, "bench-device-0");
  const tokens = Array.from({ length: maxDevices }, () => start as string | null);

  /** Pushes one batch of device `d` on `side`; its results, or null when it failed. */
  const pushOn: Record<Side, (d: number, changes: SyncChangeInput[], failures: string[]) => Promise<Results | null>> = {
    ours: async (d, changes, failures) => {
      // A failed push (e.g. no pooled connection within maxWait) is counted, not retried: it
      // applied nothing, so the device's view stays valid.
      const response = await server.push(`bench-device-${d}`, changes, tokens[d]).catch((error: Error) => {
        failures.push(error.message.slice(0, 160));
        return null;
      });
      if (response) tokens[d] = response.syncToken;
      return response?.results ?? null;
    },
    same: samePush(nodePostgres(server.pool)),
    samePostgresJs: samePush(postgresJsQuery),
    oneStatement: (d, changes) => baselinePush(server.pool, server.orgId, changes, pools.oneStatement[d]!.live),
  };

  /** What the same-work baseline answered, to check against the rows it wrote. */
  const sameWorkAnswers = { changes: 0, applied: 0, conflicts: 0, merged: 0 };
  const run = async (side: Side, devices: number, staleShare: number) => {
    const latencies: number[] = [];
    let conflicts = 0;
    let stale = 0;
    let applied = 0;
    const failures: string[] = [];
    const t0 = now();
    await inParallel(devices, async (d) => {
      for (let b = 0; b < options.batchesPerDevice; b++) {
        const batch = pools[side][d]!.batch(batchSize, staleShare);
        stale += batch.stale;
        const t = now();
        const results = await pushOn[side](d, batch.changes, failures);
        if (!results) continue;
        latencies.push(elapsedMs(t));
        applied += batch.changes.length;
        pools[side][d]!.record(batch.changes, results);
        if (side === "same" || side === "samePostgresJs") {
          sameWorkAnswers.changes += results.length;
          sameWorkAnswers.applied += results.filter((r) => r.status === "applied").length;
          sameWorkAnswers.conflicts += results.filter((r) => r.status === "conflict").length;
          sameWorkAnswers.merged += results.filter((r) => r.status === "applied" && r.mergedConflictId).length;
        }
        // Ours: stale edits of disjoint fields auto-merge (applied with a MERGE conflict record).
        conflicts += results.filter((r) => r.status === "conflict" || (r.status === "applied" && r.mergedConflictId)).length;
      }
    });
    return { rate: applied / (elapsedMs(t0) / 1000), latencies, conflicts, stale, failures };
  };

  const measure = async (devices: number, staleShare: number) => {
    const sides: Side[] = ["ours", "same", "oneStatement", ...(devices === driverDevices && staleShare === 0 ? (["samePostgresJs"] as const) : [])];
    const out = Object.fromEntries(sides.map((side) => [side, { rates: [] as number[], latencies: [] as number[], conflicts: 0, stale: 0, failures: [] as string[] }])) as Record<
      Side,
      { rates: number[]; latencies: number[]; conflicts: number; stale: number; failures: string[] }
    >;
    for (let r = 0; r < options.pushRepeats; r++) {
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(r + i) % sides.length]!;
        const result = await run(side, devices, staleShare);
        out[side].rates.push(result.rate);
        out[side].latencies.push(...result.latencies);
        out[side].conflicts += result.conflicts;
        out[side].stale += result.stale;
        out[side].failures.push(...result.failures);
      }
    }
    return out;
  };

  const failureNote = (failures: string[]) => (failures.length ? `; **${failures.length} pushes failed**: ${failures[0]}` : "");
  const latencyNote = (m: Awaited<ReturnType<typeof measure>>, base: keyof typeof baselines) =>
    `batch p50 ${percentile(m.ours.latencies, 50).toFixed(0)} ms / p99 ${percentile(m.ours.latencies, 99).toFixed(0)} ms ` +
    `(baseline ${percentile(m[base].latencies, 50).toFixed(1)} / ${percentile(m[base].latencies, 99).toFixed(1)} ms)`;
  /** The row against the same-work baseline (`id`), and the reference row against the one statement. */
  const rowPair = (id: string, scenario: string, target: string, m: Awaited<ReturnType<typeof measure>>, note: (base: keyof typeof baselines) => string) => {
    const ours = summarize(m.ours.rates);
    const make = (base: keyof typeof baselines, rowId: string, rowScenario: string) =>
      row({ id: rowId, scenario: rowScenario, unit: "changes/s", higherIsBetter: true, ours, baseline: summarize(m[base].rates), baselineLabel: baselines[base], target, met: null, note: note(base) });
    return [make("same", id, scenario), make("oneStatement", `${id}-one-statement`, `${scenario} (reference baseline)`)] as const;
  };

  const written = await sameWorkRows(server);
  // Warm-up, not measured: the server process's first pushes (and the pool's first statements) are slower.
  for (const side of ["ours", "same", "oneStatement", "samePostgresJs"] as const) await run(side, 1, 0);

  const rows: ResultRow[] = [];
  let singleBatchMs = Number.NaN;
  for (const devices of options.pushDevices) {
    const m = await measure(devices, 0);
    if (devices === 1) singleBatchMs = percentile(m.ours.latencies, 50);
    const scenario = `B1 push, ${devices} device${devices > 1 ? "s" : ""} × ${options.batchesPerDevice} batch${options.batchesPerDevice > 1 ? "es" : ""} of ${batchSize}`;
    const target = devices === 1 ? "≥ 0.6× and ≥ 3,000/s" : "≥ 0.6× and ≥ 5,000/s";
    const floor = devices === 1 ? 3000 : 5000;
    const pair = rowPair(`B1-${devices}`, scenario, target, m, (base) =>
      latencyNote(m, base) + (m.ours.conflicts ? `; ${m.ours.conflicts} unexpected conflicts` : "") + failureNote(m.ours.failures));
    for (const r of pair) r.met = r.ratio! >= 0.6 && r.ours.median >= floor && m.ours.failures.length === 0;
    rows.push(...pair);
    if (devices === driverDevices) rows.push(driverRow(m.samePostgresJs, m.same, devices));
  }

  const conflictDevices = Math.min(8, maxDevices);
  const m = await measure(conflictDevices, 0.2);
  const pair = rowPair("B2", `B2 push with 20 % stale versions, ${conflictDevices} devices`, "≥ 0.6×; per-item conflicts, no batch aborted", m, (base) =>
    `${m.ours.conflicts} of ${m.ours.stale} stale changes reported per item as conflicts or auto-merges (baseline: ${m[base].conflicts} of ${m[base].stale} as conflicts${base === "same" ? " or auto-merges" : ""}), ` +
    `${m.ours.failures.length ? "" : "every batch answered 200; "}${latencyNote(m, base)}${failureNote(m.ours.failures)}`);
  for (const r of pair) r.met = r.ratio! >= 0.6 && m.ours.conflicts === m.ours.stale && m.ours.failures.length === 0;
  rows.push(...pair);
  await checkCounts(server, written, sameWorkAnswers);
  return { rows, figures: { singleBatchMs } };
}

/**
 * The driver comparison: the same-work statement at the same concurrency through postgres.js and
 * through node-postgres, in the same rounds, on pools of 20 connections each. With one statement
 * (one round trip) per batch and a connection per device, postgres.js's pipelining has nothing to
 * overlap; what differs is parameter encoding, the extended protocol's round trips (it prepares
 * the statement once per connection) and result parsing.
 */
function driverRow(postgresJsSide: { rates: number[]; latencies: number[] }, nodePostgresSide: { rates: number[]; latencies: number[] }, devices: number): ResultRow {
  const latency = (side: { latencies: number[] }) => `${percentile(side.latencies, 50).toFixed(1)} / ${percentile(side.latencies, 99).toFixed(1)} ms`;
  return row({
    id: `B1-${devices}-driver`,
    scenario: `B1 same-work statement, ${devices} devices: postgres.js (pipelining, prepared) against node-postgres (driver comparison, no server)`,
    unit: "changes/s",
    higherIsBetter: true,
    ours: summarize(postgresJsSide.rates),
    baseline: summarize(nodePostgresSide.rates),
    baselineLabel: "node-postgres (pg), the same statement and batches, same rounds",
    target: "informational: the faster driver is kept",
    met: null,
    note: `batch p50 / p99: postgres.js ${latency(postgresJsSide)}, node-postgres ${latency(nodePostgresSide)}`,
  });
}
