// What a run prints and keeps: a table of scores and metrics per page, and the JSON of it all.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import type { PageRun } from "./audit.ts";

export interface PageResult extends PageRun {
  page: string;
  url: string;
  /** Performance scores of every run when there were several; the one kept is their median. */
  performanceRuns?: number[];
}

export interface Results {
  measuredAt: string;
  commit: string;
  machine: { cpus: string; loadBefore: number[]; loadAfter: number[] };
  lighthouse: string;
  chromium: string;
  settings: string;
  pages: PageResult[];
}

export const machineNow = () => `${cpus().length} × ${cpus()[0]?.model.trim() ?? "unknown"}`;
export const load = () => loadavg().map((value) => Number(value.toFixed(2)));

const ms = (value: number) => `${Math.round(value)} ms`;

export function printTable(results: Results): void {
  const rows = results.pages.map((page) => ({
    page: page.page,
    performance: page.scores.performance,
    accessibility: page.scores.accessibility,
    "best practices": page.scores["best-practices"],
    FCP: ms(page.metrics.fcpMs),
    LCP: ms(page.metrics.lcpMs),
    TBT: ms(page.metrics.tbtMs),
    CLS: page.metrics.cls.toFixed(3),
    "load (1 min) before → after": `${page.load.before[0]!.toFixed(2)} → ${page.load.after[0]!.toFixed(2)}`,
    "benchmark index": page.benchmarkIndex,
  }));
  console.table(rows);
  for (const page of results.pages) {
    for (const failed of page.failed) {
      console.log(`  ${page.page} · ${failed.category} · ${failed.id} (${failed.score})${failed.displayValue ? ` ${failed.displayValue}` : ""}: ${failed.title}`);
    }
  }
  console.log(`machine: ${results.machine.cpus}; load average (1, 5, 15 min) ${results.machine.loadBefore.join(", ")} at start, ${results.machine.loadAfter.join(", ")} at end`);
}

export function writeResults(path: string, results: Results): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
