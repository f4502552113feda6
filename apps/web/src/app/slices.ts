// Long work on the main thread (reading, building and sorting 10,000 rows) cut into slices of
// a few milliseconds, so the browser paints and answers input between them: one 150 ms task
// freezes a phone (and is Lighthouse's Total Blocking Time), twenty 6 ms slices do not.

/** Work per slice; a phone runs several times slower than a desktop, so a slice stays well under 50 ms there. */
const sliceMs = 6;

/** The browser's scheduler (Chromium): a yielded task keeps its place ahead of others queued meanwhile. */
const browserScheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;

const yieldToMain = (): Promise<void> =>
  browserScheduler?.yield ? browserScheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));

/** Called between small steps of long work: hands the main thread back once the slice is used up. */
export type Pause = () => Promise<void>;

/**
 * A pause for one piece of long work: resolves at once while its slice lasts, else after
 * yielding. Rejects with `signal`'s reason once it is aborted, which ends the work there.
 */
export function slicer(signal?: AbortSignal): Pause {
  let sliceStart = performance.now();
  return async () => {
    signal?.throwIfAborted();
    if (performance.now() - sliceStart < sliceMs) return;
    await yieldToMain();
    signal?.throwIfAborted();
    sliceStart = performance.now();
  };
}
