import { expect, test } from "vitest";
import { sortInSlices } from "./sliced-sort.ts";

const byValue = (a: number, b: number) => a - b;

/** Deterministic values with many duplicates (a linear congruential generator). */
const values = (length: number, seed: number) => {
  let state = seed;
  return Array.from({ length }, () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) % 97);
};

test("sorts as Array.prototype.sort does, at lengths around its run and merge boundaries", async () => {
  for (const length of [0, 1, 2, 255, 256, 257, 511, 512, 513, 1_000, 3_333]) {
    const input = values(length, length + 1);
    expect(await sortInSlices(input, byValue, async () => {})).toEqual([...input].sort(byValue));
  }
});

test("keeps equal items in their given order", async () => {
  const input = values(2_000, 7).map((value, index) => ({ value, index }));
  const sorted = await sortInSlices(input, (a, b) => a.value - b.value, async () => {});
  expect(sorted).toEqual([...input].sort((a, b) => a.value - b.value || a.index - b.index));
});

test("pauses along the way on a long list and leaves the input as it was", async () => {
  const input = values(10_000, 3);
  const copy = [...input];
  let pauses = 0;
  const sorted = await sortInSlices(input, byValue, async () => void pauses++);
  expect(sorted).toEqual([...copy].sort(byValue));
  expect(input).toEqual(copy);
  expect(pauses).toBeGreaterThan(10_000 / 256);
});

test("stops where the pause throws (the work was cancelled)", async () => {
  const cancelled = new Error("cancelled");
  await expect(sortInSlices(values(1_000, 5), byValue, () => Promise.reject(cancelled))).rejects.toBe(cancelled);
});
