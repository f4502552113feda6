import { intervalSyncDue } from "@fieldsync/sync-core";
import { ApiError, isRetryable } from "./api-client.ts";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import type { SyncEngine } from "./sync-engine.ts";

export interface SyncSchedulerOptions {
  /**
   * Periodic sync, for browsers without Background Sync and for pulling others' changes; left out
   * while the event stream keeps the device current (sync-core's intervalSyncDue).
   */
  intervalMs?: number;
  backoff?: BackoffOptions;
  /**
   * The platform's connectivity hint (`navigator.onLine` in a page). While it says offline no
   * request is sent; the caller requests again on its `online` event.
   */
  isOnline?: () => boolean;
}

/**
 * How long to wait before retrying after `error`. When the server said (Retry-After, with 503 and
 * 429): that, plus up to half of it again so refused devices do not all return in the same
 * instant; it is the server's estimate of when its backlog has drained, so no exponential growth
 * goes on top. Otherwise exponential backoff by the number of cycles that failed in a row.
 */
export function retryDelay(error: unknown, failures: number, backoff: BackoffOptions = {}): number {
  const asked = error instanceof ApiError ? error.retryAfterMs : undefined;
  if (asked === undefined) return backoffDelay(Math.max(0, failures - 1), backoff);
  return Math.round(asked * (1 + (backoff.random ?? Math.random)() / 2));
}

/**
 * Decides when the page syncs: on request (an edit, `online`, focus), on an interval (unless its
 * event stream kept it current), and after a retryable failure with exponential backoff and
 * jitter. Requests during a running cycle are coalesced into one more cycle. While the server's
 * Retry-After runs, requests wait for it (the edits they announce go with the retry). Failures
 * that need the user (logged out, device revoked) or an app update (schema version too old) wait
 * for an explicit request instead of retrying.
 */
export class SyncScheduler {
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private intervalTimer: ReturnType<typeof setInterval> | undefined;
  /** Until when (epoch ms) the server asked not to be called again; 0: no such wait. */
  private waitUntil = 0;
  /** A catch-up sync planned for later (requestAfter). */
  private catchUpTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly engine: SyncEngine,
    private readonly options: SyncSchedulerOptions = {},
  ) {}

  start(): void {
    if (this.intervalTimer !== undefined) return;
    this.intervalTimer = setInterval(() => void this.onInterval(), this.intervalMs);
    void this.request();
  }

  stop(): void {
    clearInterval(this.intervalTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = undefined;
    this.intervalTimer = undefined;
    this.retryTimer = undefined;
    this.waitUntil = 0;
  }

  /** Syncs now (or right after the running cycle); resolves when that cycle has ended. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    // The retry timer ends the wait and runs the cycle then.
    if (Date.now() < this.waitUntil) return Promise.resolve();
    clearTimeout(this.retryTimer);
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.request();
      }
    });
    return this.running;
  }

  /**
   * Syncs after `delayMs` (a catch-up the server spread over a window: sync-core's pullDelay);
   * until then the interval's syncs are left out, or the whole fleet would pull the range at its
   * next tick. A request (an edit, focus) still syncs at once. Asked again while one is planned,
   * the plan stands, unless `replan` (sync-core's replansCatchUp: a later storm range's window).
   */
  requestAfter(delayMs: number, replan = false): void {
    if (this.catchUpTimer !== undefined && !replan) return;
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = setTimeout(() => {
      this.catchUpTimer = undefined;
      void this.request();
    }, delayMs);
  }

  /** A catch-up sync is planned (requestAfter). */
  get catchingUp(): boolean {
    return this.catchUpTimer !== undefined;
  }

  /** The interval's sync, unless a catch-up is planned or the event stream has kept the device current (intervalSyncDue). */
  private async onInterval(): Promise<void> {
    if (this.catchingUp) return;
    const { phase, lastSyncAt } = await this.engine.store.syncState();
    // Each waits for the user or an app update, not for time.
    if (phase === "unauthorized" || phase === "revoked" || phase === "updateNeeded") return;
    const due = intervalSyncDue({
      now: Date.now(),
      intervalMs: this.intervalMs,
      liveAt: this.engine.liveAt,
      lastSyncAt: lastSyncAt === null ? null : Date.parse(lastSyncAt),
      unsettled: await this.engine.store.unsettled(),
    });
    if (due) await this.request();
  }

  private get intervalMs(): number {
    return this.options.intervalMs ?? 60_000;
  }

  private async run(): Promise<void> {
    if (this.options.isOnline && !this.options.isOnline()) {
      await this.engine.store.patchSyncState({ phase: "offline", nextRetryAt: null });
      return;
    }
    try {
      const report = await this.engine.sync();
      // The server is processing some changes in the background: ask for their outcome soon.
      if (report.queued > 0) this.retryIn(backoffDelay(0, this.options.backoff));
    } catch (error) {
      if (!isRetryable(error)) return;
      const { failures } = await this.engine.store.syncState();
      const delay = retryDelay(error, failures, this.options.backoff);
      await this.engine.store.patchSyncState({ nextRetryAt: new Date(Date.now() + delay).toISOString() });
      if (error instanceof ApiError && error.retryAfterMs !== undefined) this.waitUntil = Date.now() + delay;
      this.retryIn(delay);
    }
  }

  private retryIn(delay: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.waitUntil = 0;
      void this.request();
    }, delay);
  }
}
