// Pure geometry of the dashboard's inline SVG charts: scales, and series split at missing values
// so an empty bucket is a gap in the line, never a drop to zero.

export interface Plot {
  width: number;
  height: number;
  /** Room for the y labels on the left and the time labels below. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}

/** A round upper bound (1, 2 or 5 × 10^k) at or above `value`; 1 for an empty chart. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= value * (1 - 1e-9))!;
}

export interface Point {
  index: number;
  x: number;
  y: number;
  value: number;
}

/** Points of a series in plot coordinates, grouped into runs without missing values. */
export function segments(values: readonly (number | null)[], max: number, plot: Plot): Point[][] {
  const innerWidth = plot.width - plot.left - plot.right;
  const innerHeight = plot.height - plot.top - plot.bottom;
  const step = values.length > 1 ? innerWidth / (values.length - 1) : 0;
  const runs: Point[][] = [];
  let run: Point[] = [];
  values.forEach((value, index) => {
    if (value === null) {
      if (run.length) runs.push(run);
      run = [];
      return;
    }
    run.push({ index, value, x: plot.left + index * step, y: plot.top + innerHeight - (Math.min(value, max) / max) * innerHeight });
  });
  if (run.length) runs.push(run);
  return runs;
}

const fixed = (n: number) => Number(n.toFixed(1));

/** SVG path data through the points; with `baseline`, closed down to it (an area). */
export function pathData(points: readonly Point[], baseline?: number): string {
  const line = points.map((p, i) => `${i ? "L" : "M"}${fixed(p.x)},${fixed(p.y)}`).join(" ");
  if (baseline === undefined || points.length === 0) return line;
  return `${line} L${fixed(points.at(-1)!.x)},${baseline} L${fixed(points[0]!.x)},${baseline} Z`;
}

export interface SeriesSummary {
  peak: number;
  latest: number;
  /** The latest value is the last bucket's ("now"); otherwise it is older and dated. */
  latestIsNow: boolean;
  latestIndex: number;
}

/** What a series shows over the whole range, for the legend; null when it has no value at all. */
export function summarize(values: readonly (number | null)[]): SeriesSummary | null {
  const latestIndex = values.findLastIndex((v) => v !== null);
  if (latestIndex < 0) return null;
  const peak = Math.max(...values.filter((v): v is number => v !== null));
  return { peak, latest: values[latestIndex]!, latestIsNow: latestIndex === values.length - 1, latestIndex };
}
