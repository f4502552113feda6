import { expect, test } from "vitest";
import { niceMax, pathData, segments, summarize } from "./chart-geometry.ts";

const plot = { width: 110, height: 60, left: 10, right: 0, top: 0, bottom: 10 };

test("niceMax rounds up to 1, 2 or 5 times a power of ten; nothing to show scales to 1", () => {
  expect([0, 0.03, 0.05, 0.25, 1, 3, 7, 12, 480, 1000].map(niceMax)).toEqual([1, 0.05, 0.05, 0.5, 1, 5, 10, 20, 500, 1000]);
});

test("missing values split a series into runs: gaps, not zeros", () => {
  const runs = segments([1, 2, null, null, 4, null, 0], 4, { ...plot, width: 70 });
  expect(runs.map((run) => run.map((p) => p.index))).toEqual([[0, 1], [4], [6]]);
  expect(runs[0]!.map((p) => [p.x, p.y])).toEqual([
    [10, 37.5],
    [20, 25],
  ]);
  expect(runs[2]![0]).toMatchObject({ x: 70, y: 50, value: 0 });
  expect(segments([null, null], 1, plot)).toEqual([]);
});

test("path data draws a line, or an area closed to the baseline", () => {
  const [run] = segments([0, 2], 2, plot);
  expect(pathData(run!)).toBe("M10,50 L110,0");
  expect(pathData(run!, 50)).toBe("M10,50 L110,0 L110,50 L10,50 Z");
});

test("summarize gives the range's peak and the latest value, saying whether it is the last bucket's", () => {
  expect(summarize([3, 12, null, 1])).toEqual({ peak: 12, latest: 1, latestIsNow: true, latestIndex: 3 });
  expect(summarize([null, 0.25, 0.5, null])).toEqual({ peak: 0.5, latest: 0.5, latestIsNow: false, latestIndex: 2 });
  expect(summarize([null, null])).toBeNull();
  expect(summarize([])).toBeNull();
});
