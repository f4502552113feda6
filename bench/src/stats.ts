/** Median and spread of repeated measurements; every reported figure is one of these. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
};

export const summarize = (values: readonly number[]): Summary => ({
  median: percentile(values, 50),
  min: Math.min(...values),
  max: Math.max(...values),
  n: values.length,
});

/** Spread as ± half the min–max range relative to the median, in percent. */
export const spreadPercent = (s: Summary) => (s.median === 0 ? 0 : ((s.max - s.min) / 2 / Math.abs(s.median)) * 100);

export const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
export const now = () => process.hrtime.bigint();

/** Runs `fn` for each of `n` concurrent workers and resolves when all are done. */
export const inParallel = <T>(n: number, fn: (worker: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
