import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import type { BenchServer } from "../server.ts";
import { summarize } from "../stats.ts";
import type { Delivery, DevicesInput } from "./propagation-devices.ts";
import { caughtUpToken } from "./push.ts";

const devices = fileURLToPath(new URL("./propagation-devices.ts", import.meta.url));

function runDevices(input: DevicesInput): Promise<{ ours: Delivery; base: Delivery }> {
  const child = fork(devices, { execArgv: ["--import", "tsx"] });
  return new Promise((resolve, reject) => {
    child.once("message", (message: { result?: { ours: Delivery; base: Delivery }; error?: string }) =>
      message.result ? resolve(message.result) : reject(new Error(message.error)),
    );
    child.once("exit", (code) => reject(new Error(`B6 devices exited with ${code}`)));
    child.send(input);
  });
}

/**
 * B6: 200 devices on the events stream (in a process of their own), 100 changes/s pushed through
 * POST /api/sync by random devices. Latency: from the push being sent (an upper bound of its
 * commit) to each other device first seeing each change, by live event or pull.
 * Baseline: the same rows through a raw INSERT, then a raw Redis PUBLISH to 200 raw subscribers
 * (the fan-out alone, without authorization, scoping or a sync protocol).
 */
export async function propagationScenario(server: BenchServer, options: BenchOptions): Promise<ResultRow[]> {
  const { ours, base } = await runDevices({
    url: server.url,
    startToken: await caughtUpToken(server, "bench-prop-0"),
    databaseUrl: server.databaseUrl,
    seconds: options.propagationSeconds,
  });
  // How long the server itself took per push (SyncRun, written by every push), beside the round trip.
  const [serverPush] = (
    await server.pool.query<{ p50: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY "durationMs") AS p50 FROM "SyncRun" r JOIN "SyncClient" c ON c.id = r."clientId"
       WHERE r.kind = 'PUSH' AND c."deviceId" LIKE 'bench-prop-%'`,
    )
  ).rows;
  const rows: ResultRow[] = [];
  for (const [p, target] of [[50, 50], [99, 250]] as const) {
    const value = (d: Delivery) => (p === 50 ? d.p50 : d.p99);
    rows.push(
      row({
        id: `B6-p${p}`,
        scenario: `B6 propagation p${p}: 200 devices on the events stream, 100 changes/s, ${options.propagationSeconds} s`,
        unit: "ms",
        higherIsBetter: false,
        ours: summarize([value(ours)]),
        baseline: summarize([value(base)]),
        baselineLabel: "raw INSERT + raw Redis PUBLISH to 200 raw subscribers",
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
  return rows;
}
