import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import type { BenchServer } from "../server.ts";
import { summarize } from "../stats.ts";
import type { Delivery, DevicesInput, DevicesResult } from "./propagation-devices.ts";
import { caughtUpToken } from "./push.ts";

const devices = fileURLToPath(new URL("./propagation-devices.ts", import.meta.url));

function runDevices(input: DevicesInput): Promise<DevicesResult> {
  const child = fork(devices, { execArgv: ["--import", "tsx"] });
  return new Promise((resolve, reject) => {
    child.once("message", (message: { result?: DevicesResult; error?: string }) => (message.result ? resolve(message.result) : reject(new Error(message.error))));
    child.once("exit", (code) => reject(new Error(`B6 devices exited with ${code}`)));
    child.send(input);
  });
}

/** A latency; null (NaN on its way from the devices' process): nothing sent in that window was seen by the end. */
const ms = (value: number | null) => (value === null || Number.isNaN(value) ? "none seen" : `${value.toFixed(0)} ms`);
const seen = (values: (number | null)[]) => values.filter((value): value is number => value !== null && !Number.isNaN(value));

/**
 * B6: `propagationDevices` devices on the events stream (in a process of their own), 100
 * changes/s pushed in small pushes through POST /api/sync by random devices, while the storm's
 * devices reconnect a third of the way in, each with one large push. Latency: from the push being
 * sent (an upper bound of its commit) to each other device first seeing each change, by live
 * event or pull, overall and per 10-s window. Then the server's memory per idle stream.
 * Baseline: the same rows through a raw INSERT, then a raw Redis PUBLISH to as many raw
 * subscribers (the fan-out alone, without authorization, scoping, a storm or a sync protocol).
 */
export async function propagationScenario(server: BenchServer, options: BenchOptions): Promise<ResultRow[]> {
  const devices = options.propagationDevices;
  const stormSpec = { ...options.propagationStorm, atSecond: Math.round(options.propagationSeconds / 3) };
  const { ours, base, storm, streamMemory } = await runDevices({
    url: server.url,
    startToken: await caughtUpToken(server, "bench-prop-0"),
    databaseUrl: server.databaseUrl,
    seconds: options.propagationSeconds,
    devices,
    storm: stormSpec,
    idleStreams: options.idleStreams,
  });
  // How long the server itself took per push (SyncRun, written by every push), beside the round trip.
  const [serverPush] = (
    await server.pool.query<{ p50: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY "durationMs") AS p50 FROM "SyncRun" r JOIN "SyncClient" c ON c.id = r."clientId"
       WHERE r.kind = 'PUSH' AND c."deviceId" LIKE 'bench-prop-%'`,
    )
  ).rows;
  const fleet = `${devices.toLocaleString("en")} devices on the events stream, 100 changes/s, ${options.propagationSeconds} s, ${stormSpec.devices} reconnecting with ${stormSpec.changes}-change pushes`;
  const baselineLabel = `raw INSERT + raw Redis PUBLISH to ${devices.toLocaleString("en")} raw subscribers`;
  const rows: ResultRow[] = [];
  for (const [p, target] of [[50, 50], [99, 250]] as const) {
    const value = (d: Delivery) => (p === 50 ? d.p50 : d.p99);
    rows.push(
      row({
        id: `B6-p${p}`,
        scenario: `B6 propagation p${p}: ${fleet}`,
        unit: "ms",
        higherIsBetter: false,
        ours: summarize([value(ours)]),
        baseline: summarize([value(base)]),
        baselineLabel,
        target: `< ${target} ms`,
        met: value(ours) < target && ours.missing === 0,
        note:
          `from push sent (upper bound of commit) to each other device; ${ours.deliveries.toLocaleString("en")} deliveries ` +
          `(${ours.live.toLocaleString("en")} by live event, the rest by pull), ${ours.missing} never seen; ` +
          `push round trip p50 ${ours.pushP50?.toFixed(0)} ms (in the server ${Number(serverPush?.p50).toFixed(0)} ms) over ${ours.pushes} pushes; ` +
          `baseline ${base.missing} never seen`,
      }),
    );
  }
  const [first, ...later] = ours.windowP99 as (number | null)[];
  rows.push(
    row({
      id: "B6-windows",
      scenario: `B6 propagation p99 per 10-s window: ${fleet}`,
      unit: "ms",
      higherIsBetter: false,
      ours: summarize([Math.max(...seen(ours.windowP99))]),
      baseline: summarize([Math.max(...seen(base.windowP99))]),
      baselineLabel,
      target: "no window worse than the first",
      met: typeof first === "number" && later.every((p99) => p99 !== null && p99 <= first) && seen(ours.windowP99).length === ours.windowP99.length,
      note: `worst window's p99 among windows with deliveries (ours); per window: ${ours.windowP99.map(ms).join(", ")}; baseline per window: ${base.windowP99.map(ms).join(", ")}`,
    }),
  );
  if (storm) {
    rows.push(
      row({
        id: "B6-storm",
        scenario: `B6 live writers during a reconnect storm: ${stormSpec.devices} devices × ${stormSpec.changes} changes at once, among ${devices.toLocaleString("en")} live devices`,
        unit: "changes/s",
        higherIsBetter: true,
        ours: summarize([storm.liveDuring]),
        baseline: summarize([storm.liveBefore]),
        baselineLabel: "the same live writers before the storm",
        target: "≥ 90 changes/s (100 offered)",
        met: storm.liveDuring >= 90,
        note:
          `live writers' acknowledged changes per second while the storm's pushes were in flight; the storm's ${stormSpec.devices} pushes ` +
          `answered within ${ms(storm.answeredMs)} (push round trip p50 ${ms(storm.pushP50)}, refused pushes retried after Retry-After); ` +
          `by the run's end ${storm.caughtUp.toLocaleString("en")} of ${devices.toLocaleString("en")} devices held all of the storm's changes ` +
          `(catch-up window the events named: ${storm.catchUpMs === null ? "none, the default spread" : `up to ${(storm.catchUpMs / 1000).toFixed(0)} s`})`,
      }),
    );
  }
  if (streamMemory && "error" in streamMemory) console.error(`B6-stream-memory not measured: ${streamMemory.error}`);
  else if (streamMemory) {
    rows.push(
      row({
        id: "B6-stream-memory",
        scenario: `B6 server memory per idle event stream, ${streamMemory.streams.toLocaleString("en")} streams`,
        unit: "KiB",
        higherIsBetter: false,
        ours: summarize([streamMemory.bytesPerStream / 1024]),
        baseline: null,
        baselineLabel: "none",
        target: "reported",
        met: null,
        note: "server RSS (its /metrics) with all the streams open minus with half of them, divided by the second half; RSS moves in pages and with the garbage collector",
      }),
    );
  }
  return rows;
}
