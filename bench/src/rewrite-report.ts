// pnpm --filter @fieldsync/bench report: rewrites docs/benchmarks.md and the scaling chart from
// bench/results/latest.json, beside bench/results/before.json (e.g. after the analysis of a miss
// changed), measuring nothing.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { closingNotes } from "./analysis.ts";
import { markdown, scalingSvg } from "./report.ts";
import type { BenchResults } from "./results.ts";

const path = (relative: string) => new URL(relative, import.meta.url);
const read = (file: string) => JSON.parse(readFileSync(path(file), "utf8")) as BenchResults;
const results = read("../results/latest.json");
const before = existsSync(path("../results/before.json")) ? read("../results/before.json") : null;
writeFileSync(path("../../docs/benchmarks-scaling.svg"), scalingSvg(results.scaling));
writeFileSync(path("../../docs/benchmarks.md"), `${markdown(results, "benchmarks-scaling.svg", before)}${closingNotes(results)}`);
console.log(`rewrote docs/benchmarks.md from the ${results.mode} run of ${results.startedAt}`);
