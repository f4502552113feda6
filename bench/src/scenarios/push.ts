import { EntityPool } from "../data.ts";
import { baselinePush } from "../baseline.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { createBaselineTable, seedAssets, syncBaselineTable } from "../seed.ts";
import type { BenchServer } from "../server.ts";
import { elapsedMs, inParallel, now, percentile, summarize } from "../stats.ts";

export const batchSize = 500;
const poolPerDevice = 400;

/** Pulls from no token to the end; the token of a device that is caught up. */
export async function caughtUpToken(server: BenchServer, deviceId: string) {
  let token: string | null = null;
  for (;;) {
    const page = await server.delta(deviceId, token);
    token = page.nextPageToken;
    if (!page.hasMore) return token;
  }
}

export interface PushFigures {
  /** Changes per second (median) by device count, ours. */
  throughput: Map<number, number>;
  /** Median batch latency (ms) of one device. */
  singleBatchMs: number;
}

/**
 * B1 and B2. Each device edits only its own entities (B1 has no conflicts); devices carry the
 * syncToken each push returns, as real clients do. Per repeat, ours and the baseline run the same
 * batch shapes at the same concurrency, in alternating order.
 */
export async function pushScenarios(server: BenchServer, options: BenchOptions): Promise<{ rows: ResultRow[]; figures: PushFigures }> {
  const maxDevices = Math.max(...options.pushDevices);
  const ids = await seedAssets(server.pool, server.orgId, maxDevices * poolPerDevice, true);
  await createBaselineTable(server.pool);
  await syncBaselineTable(server.pool, server.orgId);
  const chunk = (d: number) => ids.slice(d * poolPerDevice, (d + 1) * poolPerDevice);
  const ours = Array.from({ length: maxDevices }, (_, d) => new EntityPool(chunk(d)));
  const base = Array.from({ length: maxDevices }, (_, d) => new EntityPool(chunk(d)));
  const start = await caughtUpToken(server, "bench-device-0");
  const tokens = Array.from({ length: maxDevices }, () => start as string | null);

  const runOurs = async (devices: number, staleShare: number) => {
    const latencies: number[] = [];
    let conflicts = 0;
    let stale = 0;
    let applied = 0;
    const failures: string[] = [];
    const t0 = now();
    await inParallel(devices, async (d) => {
      for (let b = 0; b < options.batchesPerDevice; b++) {
        const batch = ours[d]!.batch(batchSize, staleShare);
        stale += batch.stale;
        const t = now();
        // A failed push (e.g. no pooled connection within maxWait) is counted, not retried: it
        // applied nothing, so the device's view stays valid.
        const response = await server.push(`bench-device-${d}`, batch.changes, tokens[d]).catch((error: Error) => {
          failures.push(error.message.slice(0, 160));
          return null;
        });
        if (!response) continue;
        latencies.push(elapsedMs(t));
        applied += batch.changes.length;
        tokens[d] = response.syncToken;
        ours[d]!.record(batch.changes, response.results);
        // Stale edits of disjoint fields auto-merge (applied with a MERGE conflict record).
        conflicts += response.results.filter((r) => r.status === "conflict" || (r.status === "applied" && r.mergedConflictId)).length;
      }
    });
    const seconds = elapsedMs(t0) / 1000;
    return { rate: applied / seconds, latencies, conflicts, stale, failures };
  };

  const runBaseline = async (devices: number, staleShare: number) => {
    const latencies: number[] = [];
    let conflicts = 0;
    const t0 = now();
    await inParallel(devices, async (d) => {
      const client = await server.pool.connect();
      try {
        for (let b = 0; b < options.batchesPerDevice; b++) {
          const batch = base[d]!.batch(batchSize, staleShare);
          const t = now();
          const results = await baselinePush(client, server.orgId, batch.changes, base[d]!.live);
          latencies.push(elapsedMs(t));
          base[d]!.record(batch.changes, results);
          conflicts += results.filter((r) => r.status === "conflict").length;
        }
      } finally {
        client.release();
      }
    });
    const seconds = elapsedMs(t0) / 1000;
    return { rate: (devices * options.batchesPerDevice * batchSize) / seconds, latencies, conflicts };
  };

  const measure = async (devices: number, staleShare: number) => {
    const oursRates: number[] = [];
    const baseRates: number[] = [];
    const oursLat: number[] = [];
    const baseLat: number[] = [];
    let conflicts = 0;
    let stale = 0;
    let baseConflicts = 0;
    const failures: string[] = [];
    for (let r = 0; r < options.pushRepeats; r++) {
      const order = r % 2 === 0 ? ["ours", "base"] : ["base", "ours"];
      for (const which of order) {
        if (which === "ours") {
          const o = await runOurs(devices, staleShare);
          oursRates.push(o.rate);
          oursLat.push(...o.latencies);
          conflicts += o.conflicts;
          stale += o.stale;
          failures.push(...o.failures);
        } else {
          const b = await runBaseline(devices, staleShare);
          baseRates.push(b.rate);
          baseLat.push(...b.latencies);
          baseConflicts += b.conflicts;
        }
      }
    }
    return { oursRates, baseRates, oursLat, baseLat, conflicts, stale, baseConflicts, failures };
  };

  const failureNote = (failures: string[]) => (failures.length ? `; **${failures.length} pushes failed**: ${failures[0]}` : "");
  const latencyNote = (oursLat: number[], baseLat: number[]) =>
    `batch p50 ${percentile(oursLat, 50).toFixed(0)} ms / p99 ${percentile(oursLat, 99).toFixed(0)} ms ` +
    `(baseline ${percentile(baseLat, 50).toFixed(1)} / ${percentile(baseLat, 99).toFixed(1)} ms)`;

  const rows: ResultRow[] = [];
  const throughput = new Map<number, number>();
  let singleBatchMs = Number.NaN;
  for (const devices of options.pushDevices) {
    const m = await measure(devices, 0);
    const s = summarize(m.oursRates);
    throughput.set(devices, s.median);
    if (devices === 1) singleBatchMs = percentile(m.oursLat, 50);
    const r = row({
      id: `B1-${devices}`,
      scenario: `B1 push, ${devices} device${devices > 1 ? "s" : ""} × ${options.batchesPerDevice} batch${options.batchesPerDevice > 1 ? "es" : ""} of ${batchSize}`,
      unit: "changes/s",
      higherIsBetter: true,
      ours: s,
      baseline: summarize(m.baseRates),
      baselineLabel: "one INSERT … ON CONFLICT … WHERE version per batch",
      target: "≥ 0.6× and ≥ 5,000/s",
      met: null,
      note: latencyNote(m.oursLat, m.baseLat) + (m.conflicts ? `; ${m.conflicts} unexpected conflicts` : "") + failureNote(m.failures),
    });
    r.met = r.ratio! >= 0.6 && s.median >= 5000 && m.failures.length === 0;
    rows.push(r);
  }

  const conflictDevices = Math.min(8, maxDevices);
  const m = await measure(conflictDevices, 0.2);
  const r = row({
    id: "B2",
    scenario: `B2 push with 20 % stale versions, ${conflictDevices} devices`,
    unit: "changes/s",
    higherIsBetter: true,
    ours: summarize(m.oursRates),
    baseline: summarize(m.baseRates),
    baselineLabel: "same statement, conflicting ids from RETURNING",
    target: "≥ 0.6×; per-item conflicts, no batch aborted",
    met: null,
    note: `${m.conflicts} of ${m.stale} stale changes reported per item as conflicts or auto-merges (baseline conflicts ${m.baseConflicts}), ${m.failures.length ? "" : "every batch answered 200; "}${latencyNote(m.oursLat, m.baseLat)}${failureNote(m.failures)}`,
  });
  r.met = r.ratio! >= 0.6 && m.conflicts === m.stale && m.failures.length === 0;
  rows.push(r);
  return { rows, figures: { throughput, singleBatchMs } };
}
