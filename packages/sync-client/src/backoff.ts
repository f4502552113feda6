export interface BackoffOptions {
  /** Delay cap of the first retry, in ms. */
  baseMs?: number;
  /** No delay exceeds this. */
  maxMs?: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based): exponential growth capped at `maxMs`, with
 * "equal jitter" (half fixed, half random) so devices that lost the network together do not
 * all come back in the same instant, yet none retries immediately.
 */
export function backoffDelay(attempt: number, { baseMs = 1_000, maxMs = 60_000, random = Math.random }: BackoffOptions = {}): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(cap / 2 + random() * (cap / 2));
}
