import { isRetryable } from "./api-client.ts";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import type { SyncEngine } from "./sync-engine.ts";

export interface SyncSchedulerOptions {
  /** Periodic sync, for browsers without Background Sync and for pulling others' changes. */
  intervalMs?: number;
  backoff?: BackoffOptions;
  /**
   * The platform's connectivity hint (`navigator.onLine` in a page). While it says offline no
   * request is sent; the caller requests again on its `online` event.
   */
  isOnline?: () => boolean;
}

/**
 * Decides when the page syncs: on request (an edit, `online`, focus), on an interval, and after a
 * retryable failure with exponential backoff and jitter. Requests during a running cycle are
 * coalesced into one more cycle. Failures that need the user (logged out, device revoked) wait
 * for an explicit request instead of retrying.
 */
export class SyncScheduler {
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private intervalTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly engine: SyncEngine,
    private readonly options: SyncSchedulerOptions = {},
  ) {}

  start(): void {
    if (this.intervalTimer !== undefined) return;
    this.intervalTimer = setInterval(() => void this.onInterval(), this.options.intervalMs ?? 60_000);
    void this.request();
  }

  stop(): void {
    clearInterval(this.intervalTimer);
    clearTimeout(this.retryTimer);
    this.intervalTimer = undefined;
    this.retryTimer = undefined;
  }

  /** Syncs now (or right after the running cycle); resolves when that cycle has ended. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
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

  private async onInterval(): Promise<void> {
    const { phase } = await this.engine.store.syncState();
    if (phase !== "unauthorized" && phase !== "revoked") await this.request();
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
      const delay = backoffDelay(Math.max(0, failures - 1), this.options.backoff);
      await this.engine.store.patchSyncState({ nextRetryAt: new Date(Date.now() + delay).toISOString() });
      this.retryIn(delay);
    }
  }

  private retryIn(delay: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.request(), delay);
  }
}
