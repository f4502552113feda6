import { expect, test } from "vitest";
import { backoffDelay } from "./backoff.ts";

test("grows exponentially up to the cap", () => {
  const upper = (attempt: number) => backoffDelay(attempt, { baseMs: 100, maxMs: 5_000, random: () => 0.999999 });
  expect([0, 1, 2, 3, 10, 100].map(upper)).toEqual([100, 200, 400, 800, 5_000, 5_000]);
});

test("jitter stays within the upper half of the window", () => {
  for (const attempt of [0, 3, 8]) {
    const cap = Math.min(60_000, 1_000 * 2 ** attempt);
    expect(backoffDelay(attempt, { random: () => 0 })).toBe(cap / 2);
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(cap / 2);
      expect(delay).toBeLessThanOrEqual(cap);
    }
  }
});
