// pnpm --filter @fieldsync/bench report: rewrites docs/benchmarks.md and the scaling chart from
// bench/results/latest.json (e.g. after the analysis of a miss changed), measuring nothing.
import { readFileSync, writeFileSync } from "node:fs";
import { closingNotes } from "./analysis.ts";
import { markdown, scalingSvg } from "./report.ts";
import type { BenchResults } from "./results.ts";

const path = (relative: string) => new URL(relative, import.meta.url);
const results = JSON.parse(readFileSync(path("../results/latest.json"), "utf8")) as BenchResults;
writeFileSync(path("../../docs/benchmarks-scaling.svg"), scalingSvg(results.scaling));
writeFileSync(path("../../docs/benchmarks.md"), `${markdown(results, "benchmarks-scaling.svg")}${closingNotes(results)}`);
console.log(`rewrote docs/benchmarks.md from the ${results.mode} run of ${results.startedAt}`);
