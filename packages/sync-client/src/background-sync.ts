import { isRetryable } from "./api-client.ts";
import type { BackoffOptions } from "./backoff.ts";
import type { SyncEngine } from "./sync-engine.ts";
import { retryDelay } from "./sync-scheduler.ts";

export interface EventSyncOptions {
  /** Syncs tried within the event, the first included. */
  attempts?: number;
  /** A wait longer than this (a server's long Retry-After) is left to the browser's retry. */
  maxWaitMs?: number;
  backoff?: BackoffOptions;
  /** Waits `ms` (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A Background Sync event's work: the engine's sync, tried again within the event after a
 * retryable failure, with the scheduler's backoff (retryDelay), before the browser's own retry
 * takes over. A network that has just come back often fails its first requests (the browser may
 * fire the event before the worker's connection is up), and Chromium's first retry of a failed
 * sync event comes minutes later: the technician's offline edit would wait that long. Throws the
 * last error when the attempts are spent, the error is not retryable, or the wait it asks for is
 * longer than `maxWaitMs`.
 */
export async function syncWithinEvent(engine: Pick<SyncEngine, "sync">, options: EventSyncOptions = {}): Promise<void> {
  const { attempts = 4, maxWaitMs = 15_000, backoff, sleep = sleepFor } = options;
  for (let failures = 1; ; failures++) {
    try {
      await engine.sync();
      return;
    } catch (error) {
      const wait = retryDelay(error, failures, backoff);
      if (!isRetryable(error) || failures >= attempts || wait > maxWaitMs) throw error;
      await sleep(wait);
    }
  }
}
