import { createChange } from "../data.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import type { BenchServer } from "../server.ts";
import { inParallel, now, percentile, summarize } from "../stats.ts";
import { caughtUpToken } from "./push.ts";

const deviceCount = 200;
const observers = 4;
const changesPerSecond = 100;
const changesPerPush = 5;
/** How often each of the other devices pulls in the background (load, not measured). */
const idlePollMs = 5000;

interface Sample {
  fromSend: number[];
  fromAck: number[];
  /** Deliveries never observed (counted as missing the target). */
  missing: number;
}

/**
 * Drives `write` at 100 changes/s (pushes of 5 from random devices) while `observers` devices pull
 * back to back; the latency of a change is from its write being sent (an upper bound of its
 * commit) to the first observer response that contains it, taken per observer.
 */
async function drive(
  seconds: number,
  write: (writer: number, ids: string[]) => Promise<void>,
  observe: (observer: number) => Promise<string[]>,
  background: (device: number) => Promise<void>,
): Promise<Sample> {
  const sent = new Map<string, { send: bigint; ack: bigint | null }>();
  const seen = Array.from({ length: observers }, () => new Set<string>());
  const sample: Sample = { fromSend: [], fromAck: [], missing: 0 };
  const deadline = Date.now() + seconds * 1000;
  let writesDone = 0;
  const writes: Promise<void>[] = [];
  const interval = 1000 / (changesPerSecond / changesPerPush);
  const writer = (async () => {
    for (let tick = 0; Date.now() < deadline; tick++) {
      const ids = Array.from({ length: changesPerPush }, () => crypto.randomUUID());
      const entry = { send: now(), ack: null as bigint | null };
      for (const id of ids) sent.set(id, entry);
      writes.push(write(observers + Math.floor(Math.random() * (deviceCount - observers)), ids).then(() => void (entry.ack = now())));
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
    await Promise.all(writes);
    writesDone = Date.now();
  })();
  // Observers keep pulling until they have seen every change, or 10 s after the last write.
  const observing = inParallel(observers, async (o) => {
    while (!(writesDone && seen[o]!.size === sent.size) && !(writesDone && Date.now() > writesDone + 10_000)) {
      const ids = await observe(o);
      const at = now();
      for (const id of ids) {
        const entry = sent.get(id);
        if (!entry || seen[o]!.has(id)) continue;
        seen[o]!.add(id);
        sample.fromSend.push(Number(at - entry.send) / 1e6);
        if (entry.ack !== null) sample.fromAck.push(Number(at - entry.ack) / 1e6);
      }
    }
  });
  const idle = inParallel(deviceCount - observers, async (d) => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * idlePollMs));
    while (Date.now() < deadline) {
      await background(observers + d);
      await new Promise((resolve) => setTimeout(resolve, idlePollMs));
    }
  });
  await Promise.all([writer, observing, idle]);
  sample.missing = sent.size * observers - seen.reduce((n, s) => n + s.size, 0);
  return sample;
}

/**
 * B6: 200 devices, 100 changes/s through POST /api/sync, observers on POST /api/sync/delta.
 * Baseline: raw INSERTs into a log table at the same rate, observed with the raw fenced SELECT.
 */
export async function propagationScenario(server: BenchServer, options: BenchOptions): Promise<ResultRow[]> {
  const start = await caughtUpToken(server, "bench-prop-0");
  const tokens = Array.from({ length: deviceCount }, () => start as string | null);
  const ours = await drive(
    options.propagationSeconds,
    async (d, ids) => {
      const response = await server.push(`bench-prop-${d}`, ids.map((id) => createChange(id)), tokens[d]);
      tokens[d] = response.syncToken;
    },
    async (o) => {
      const page = await server.delta(`bench-prop-${o}`, tokens[o]!, 1000);
      tokens[o] = page.nextPageToken;
      return page.changes.map((c) => c.entityId);
    },
    async (d) => {
      const page = await server.delta(`bench-prop-${d}`, tokens[d]!, 1000);
      tokens[d] = page.nextPageToken;
    },
  );

  await server.pool.query(`
    CREATE TABLE IF NOT EXISTS bench_log (seq bigserial PRIMARY KEY, txid xid8 NOT NULL DEFAULT pg_current_xact_id(), entity_id text NOT NULL, data jsonb);
    CREATE INDEX IF NOT EXISTS bench_log_order ON bench_log (txid, seq)`);
  const cursors = Array.from({ length: deviceCount }, () => ({ txid: "0", seq: "0" }));
  const rawPull = async (d: number) => {
    const { rows } = await server.pool.query<{ txid: string; seq: string; entity_id: string }>(
      `SELECT txid::text, seq::text, entity_id, data FROM bench_log
       WHERE (txid, seq) > ($1::xid8, $2::bigint) AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid, seq LIMIT 1000`,
      [cursors[d]!.txid, cursors[d]!.seq],
    );
    JSON.stringify(rows);
    const last = rows.at(-1);
    if (last) cursors[d] = { txid: last.txid, seq: last.seq };
    return rows.map((r) => r.entity_id);
  };
  const base = await drive(
    options.propagationSeconds,
    async (_d, ids) => {
      await server.pool.query(`INSERT INTO bench_log (entity_id, data) SELECT id, $2::jsonb FROM unnest($1::text[]) id`, [
        ids,
        JSON.stringify(createChange().payload),
      ]);
    },
    rawPull,
    async (d) => void (await rawPull(d)),
  );

  const rows: ResultRow[] = [];
  for (const [p, target] of [[50, 50], [99, 250]] as const) {
    const r = row({
      id: `B6-p${p}`,
      scenario: `B6 propagation p${p}: ${deviceCount} devices, ${changesPerSecond} changes/s, ${options.propagationSeconds} s`,
      unit: "ms",
      higherIsBetter: false,
      ours: summarize([percentile(ours.fromSend, p)]),
      baseline: summarize([percentile(base.fromSend, p)]),
      baselineLabel: "raw INSERT + raw fenced SELECT polling",
      target: `< ${target} ms`,
      met: percentile(ours.fromSend, p) < target && ours.missing === 0,
      note: `from write sent (upper bound of commit); from push response: p${p} ${percentile(ours.fromAck, p).toFixed(0)} ms; ${ours.fromSend.length} deliveries, ${ours.missing} never seen`,
    });
    rows.push(r);
  }
  return rows;
}
