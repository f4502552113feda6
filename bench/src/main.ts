// pnpm bench [--quick] [--repeats=N] [--only=push,framework,queue,delta,horizon,propagation,scaling,client,cluster]
// A full run (no --quick, no --only) writes bench/results/latest.json and docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { repoRoot } from "@fieldsync/testing/workspace";
import { closingNotes } from "./analysis.ts";
import { describeMachine } from "./machine.ts";
import { parseOptions } from "./options.ts";
import { markdown, printTable, scalingSvg, writeJson } from "./report.ts";
import type { BenchResults, ResultRow } from "./results.ts";
import { clientScenario } from "./scenarios/client.ts";
import { clusterScenario } from "./scenarios/cluster.ts";
import { deltaScenarios } from "./scenarios/delta.ts";
import { frameworkScenario } from "./scenarios/framework.ts";
import { horizonScenarios } from "./scenarios/horizon.ts";
import { type PushFigures, pushScenarios } from "./scenarios/push.ts";
import { propagationScenario } from "./scenarios/propagation.ts";
import { queueScenarios } from "./scenarios/queue.ts";
import { scalingScenario } from "./scenarios/scaling.ts";
import { type BenchServer, startBenchServer } from "./server.ts";

const options = parseOptions(process.argv.slice(2));

/** bench/results/latest.json as committed at HEAD; null outside a git checkout or before the first run. */
function committedResults(): BenchResults | null {
  try {
    return JSON.parse(execFileSync("git", ["show", "HEAD:bench/results/latest.json"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as BenchResults;
  } catch {
    return null;
  }
}
const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const started = Date.now();
const results: BenchResults = {
  mode: options.mode,
  startedAt: new Date(started).toISOString(),
  durationSeconds: 0,
  machine: {},
  rows: [],
  scaling: [],
  errors: {},
};

/** Runs one group unless --only leaves it out; its failure is recorded, not thrown. */
/** The machine, described once per run from the first group's database and Redis. */
async function describeOnce(pool: BenchServer["pool"], redis: BenchServer["redis"]) {
  if (!Object.keys(results.machine).length) results.machine = await describeMachine(pool, redis);
}

async function timed(id: string, fn: () => Promise<void>) {
  if (options.only && !options.only.has(id)) return;
  const t = Date.now();
  try {
    await fn();
  } catch (error) {
    results.errors[id] = (error as Error).message;
    console.error(`${id}:`, error);
  } finally {
    console.log(`${id} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
}

/** Each group gets a fresh server and database, so one scenario's data never slows another's. */
const group = (id: string, fn: (server: BenchServer) => Promise<void>) =>
  timed(id, async () => {
    const server = await startBenchServer();
    try {
      await describeOnce(server.pool, server.redis);
      await fn(server);
    } finally {
      await server.close();
    }
  });

const add = (rows: ResultRow[]) => {
  results.rows.push(...rows);
};
let push: PushFigures | null = null;

await group("push", async (server) => {
  const out = await pushScenarios(server, options);
  add(out.rows);
  push = out.figures;
});
await group("framework", async () => {
  const batchMs = (push as PushFigures | null)?.singleBatchMs;
  if (batchMs === undefined) throw new Error("needs the push group's B1 batch latency (run with push)");
  add(await frameworkScenario(options, batchMs));
});
await group("queue", async (server) => add(await queueScenarios(server, options)));
await group("delta", async (server) => add(await deltaScenarios(server, options)));
await group("horizon", async (server) => add(await horizonScenarios(server, options)));
await group("propagation", async (server) => add(await propagationScenario(server, options)));
await group("scaling", async (server) => {
  results.scaling = await scalingScenario(server, options);
});
await group("client", async () => add(await clientScenario(options)));
// Its own cluster (2 servers behind HAProxy) and database rather than the group's single server.
await timed("cluster", async () => add(await clusterScenario(options, describeOnce)));

results.durationSeconds = (Date.now() - started) / 1000;
printTable(results);
if (options.mode === "full" && !options.only) {
  // The report's "before": the results committed last, kept beside the new ones so the report can be rewritten.
  const before = committedResults();
  if (before) writeJson(path("../results/before.json"), before);
  writeJson(path("../results/latest.json"), results);
  writeFileSync(path("../../docs/benchmarks-scaling.svg"), scalingSvg(results.scaling));
  writeFileSync(path("../../docs/benchmarks.md"), `${markdown(results, "benchmarks-scaling.svg", before)}${closingNotes(results)}`);
  console.log("wrote bench/results/latest.json, bench/results/before.json, docs/benchmarks.md, docs/benchmarks-scaling.svg");
} else {
  // Quick or partial runs check the harness; only a full run replaces the committed record.
  writeJson(path("../results/check.json"), results);
  console.log("wrote bench/results/check.json (not committed; a full run without --only writes the report)");
}
console.log(`total ${results.durationSeconds.toFixed(0)} s`);
process.exit(Object.keys(results.errors).length ? 1 : 0);
