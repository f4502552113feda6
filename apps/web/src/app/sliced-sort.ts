import type { Pause } from "./slices.ts";

/** Items sorted or merged between two pauses: small enough that checking the clock costs nothing. */
const step = 256;

/**
 * A sorted copy of `items`, as `[...items].sort(compare)` gives for a total order, computed as a
 * bottom-up merge sort that calls `pause` every few hundred items, so a long list is sorted in
 * slices between which the browser stays responsive.
 */
export async function sortInSlices<T>(items: readonly T[], compare: (a: T, b: T) => number, pause: Pause): Promise<T[]> {
  let from = [...items];
  for (let start = 0; start < from.length; start += step) {
    const run = from.slice(start, start + step).sort(compare);
    for (let i = 0; i < run.length; i++) from[start + i] = run[i]!;
    await pause();
  }
  let to: T[] = new Array<T>(from.length);
  for (let width = step; width < from.length; width *= 2) {
    let out = 0;
    for (let left = 0; left < from.length; left += 2 * width) {
      const middle = Math.min(left + width, from.length);
      const end = Math.min(left + 2 * width, from.length);
      let a = left;
      let b = middle;
      while (a < middle || b < end) {
        const takeLeft = b >= end || (a < middle && compare(from[a]!, from[b]!) <= 0);
        to[out++] = takeLeft ? from[a++]! : from[b++]!;
        if (out % step === 0) await pause();
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
