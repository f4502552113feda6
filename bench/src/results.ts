import type { Summary } from "./stats.ts";

/**
 * One row of the results table. `ratio` is always "speed relative to the baseline" (1 = as fast,
 * higher is better): ours/baseline for throughputs, baseline/ours for latencies.
 */
export interface ResultRow {
  id: string;
  scenario: string;
  unit: string;
  higherIsBetter: boolean;
  ours: Summary;
  baseline: Summary | null;
  baselineLabel: string;
  ratio: number | null;
  target: string;
  met: boolean | null;
  note?: string;
}

export interface ScalingPoint {
  entities: number;
  /** The level's first push, right after its bulk load (cold caches, plans made again): not in pushOursMs. */
  pushFirstMs: number;
  /** A small organization's push in the same rounds (scaling.ts): the machine's speed at that moment. */
  pushReferenceMs: Summary;
  pushOursMs: Summary;
  pushBaselineMs: Summary;
  deltaOursMs: Summary;
  deltaBaselineMs: Summary;
}

export interface BenchResults {
  mode: "quick" | "full";
  startedAt: string;
  durationSeconds: number;
  machine: Record<string, string>;
  rows: ResultRow[];
  scaling: ScalingPoint[];
  /** Scenario id → error message, for scenarios that could not run. */
  errors: Record<string, string>;
}

export function row(fields: Omit<ResultRow, "ratio"> & { ratio?: number | null }): ResultRow {
  const { ours, baseline, higherIsBetter } = fields;
  const ratio =
    fields.ratio !== undefined
      ? fields.ratio
      : baseline
        ? higherIsBetter
          ? ours.median / baseline.median
          : baseline.median / ours.median
        : null;
  return { ...fields, ratio };
}
