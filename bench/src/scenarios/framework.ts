import { createChange } from "../data.ts";
import type { BenchOptions } from "../options.ts";
import { startChild } from "@fieldsync/testing/child-process";
import { repoRoot } from "@fieldsync/testing/workspace";
import { type ResultRow, row } from "../results.ts";
import { inParallel, now, elapsedMs, percentile, summarize } from "../stats.ts";
import { batchSize } from "./push.ts";

/**
 * B4: the cost of the layers a push passes through, without the sync work. Three routes on one
 * Fastify server in its own process (framework-server.ts), each taking a B1-sized body (500
 * changes, ~0.5 MB) from this process and answering {ok: true}: a bare route (JSON parse only), a
 * tRPC no-op mutation (fastify adapter) and a REST route calling the procedure through a caller as
 * the app's REST mapping does; both validate the body with the push endpoint's zod schema.
 */
export async function frameworkScenario(options: BenchOptions, b1BatchMs: number): Promise<ResultRow[]> {
  const server = await startChild({ cwd: repoRoot, args: ["--import", "tsx", "bench/src/framework-server.ts"], env: {}, ready: /running at (http:\/\/\S+)/ });
  const url = server.match;
  const body = JSON.stringify({ deviceId: "bench-device", changes: Array.from({ length: batchSize }, () => createChange()) });
  const requests = options.mode === "quick" ? 200 : 1000;

  const run = async (path: string) => {
    const latencies: number[] = [];
    const start = now();
    let next = 0;
    await inParallel(4, async () => {
      while (next++ < requests) {
        const t0 = now();
        const response = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.text();
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        latencies.push(elapsedMs(t0));
      }
    });
    return { p50: percentile(latencies, 50), rate: requests / (elapsedMs(start) / 1000) };
  };

  const paths = ["/bare", "/trpc/noop", "/rest"] as const;
  const p50 = new Map<string, number[]>(paths.map((p) => [p, []]));
  try {
    await checkValidation(url);
    for (let r = 0; r < options.repeats; r++) {
      for (const path of r % 2 ? [...paths].reverse() : paths) p50.get(path)!.push((await run(path)).p50);
    }
  } finally {
    await server.stop();
  }

  const bare = summarize(p50.get("/bare")!);
  const rows: ResultRow[] = [];
  for (const [path, label] of [["/trpc/noop", "tRPC no-op with input validation"], ["/rest", "REST route → tRPC caller, with input validation"]] as const) {
    const ours = summarize(p50.get(path)!);
    const overhead = ours.median - bare.median;
    const share = (overhead / b1BatchMs) * 100;
    const r = row({
      id: `B4-${path === "/rest" ? "rest" : "trpc"}`,
      scenario: `B4 ${label}, 0.5 MB body (request p50)`,
      unit: "ms",
      higherIsBetter: false,
      ours,
      baseline: bare,
      baselineLabel: "bare Fastify route, same body (JSON parse only, no validation)",
      target: "overhead < 5 % of a B1 batch",
      met: share < 5,
      note: `overhead (framework + zod validation of the push body) ${overhead.toFixed(2)} ms = ${share.toFixed(2)} % of the B1 1-device batch p50 (${b1BatchMs.toFixed(0)} ms)`,
    });
    rows.push(r);
  }
  return rows;
}

/** Fails the scenario unless the measured routes refuse a body the push schema refuses (so their figures include validation) and the bare one takes it. */
async function checkValidation(url: string) {
  const invalid = JSON.stringify({ deviceId: "bench-device", changes: [{ ...createChange(), operation: "UPSERT" }] });
  for (const [path, accepts] of [["/bare", true], ["/trpc/noop", false], ["/rest", false]] as const) {
    const response = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: invalid });
    await response.text();
    if (response.ok !== accepts) throw new Error(`B4: ${path} answered ${response.status} to a push body with an unknown operation`);
  }
}
