import { catchUpSpreadMs } from "@fieldsync/schema";
import fc from "fast-check";
import { expect, test } from "vitest";
import { CatchUpWindows, maxCatchUpMs } from "./catch-up.ts";

const mb = 1024 * 1024;

test("a range the fleet pulls in less than the default spread names no window", () => {
  const windows = new CatchUpWindows(64 * mb, () => 0);
  // 200 devices × 100 kB at 64 MiB/s: 0.3 s.
  expect(windows.window(200, 100_000)).toBeUndefined();
});

test("a storm's range is spread over the time the process takes to serve the whole fleet its bytes", () => {
  let now = 0;
  const windows = new CatchUpWindows(32 * mb, () => now);
  // 2,000 devices × 200 kB = 400 MB at 32 MiB/s: ~11.9 s.
  expect(windows.window(2_000, 200_000)).toBe(Math.ceil((2_000 * 200_000 * 1000) / (32 * mb)));
  // A second range a second later: what is still owed of the first comes first.
  now = 1_000;
  const second = windows.window(2_000, 200_000)!;
  expect(second).toBe(Math.ceil(((2 * 2_000 * 200_000 - 32 * mb) * 1000) / (32 * mb)));
  // Once it has all been served, a new range is sized on its own.
  now = 60_000;
  expect(windows.window(2_000, 200_000)).toBe(Math.ceil((2_000 * 200_000 * 1000) / (32 * mb)));
});

test("windows stay between the default spread and the longest window, and never shrink while owed grows", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ after: fc.integer({ min: 0, max: 5_000 }), streams: fc.integer({ min: 0, max: 5_000 }), bytes: fc.integer({ min: 0, max: 50 * mb }) }), { maxLength: 30 }),
      (ranges) => {
        let now = 0;
        const windows = new CatchUpWindows(16 * mb, () => now);
        let previous = 0;
        for (const { after, streams, bytes } of ranges) {
          now += after;
          const window = windows.window(streams, bytes) ?? 0;
          if (window > 0) expect(window).toBeGreaterThan(catchUpSpreadMs);
          expect(window).toBeLessThanOrEqual(maxCatchUpMs);
          // Without time passing, more owed is a longer (or equally capped) window.
          if (after === 0) expect(window).toBeGreaterThanOrEqual(previous);
          previous = window;
        }
      },
    ),
  );
});
