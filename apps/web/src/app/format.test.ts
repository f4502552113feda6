import { expect, test } from "vitest";
import { formatCount, formatDuration, formatMs, formatPercent, plural } from "./format.ts";

test("durations read as the largest whole unit", () => {
  expect([0, 59.9, 60, 3599, 3600, 3 * 3600 + 1800, 86_399, 86_400, 10 * 86_400].map(formatDuration)).toEqual(["0 s", "59 s", "1 min", "59 min", "1 h", "3 h", "23 h", "1 d", "10 d"]);
});

test("shares, request times and counts", () => {
  expect([0, 0.05, 0.125, 0.25, 1].map(formatPercent)).toEqual(["0 %", "5.0 %", "13 %", "25 %", "100 %"]);
  expect([0, 0.42, 9.96, 12.4, 999, 1234].map(formatMs)).toEqual(["0 ms", "0.4 ms", "10 ms", "12 ms", "999 ms", "1.2 s"]);
  expect([0, 0.5, 2, 2.25].map(formatCount)).toEqual(["0", "0.5", "2", "2.3"]);
  expect([0, 1, 2].map((n) => plural(n, "conflict"))).toEqual(["0 conflicts", "1 conflict", "2 conflicts"]);
});
