import { appError } from "./errors.ts";

// Bounded concurrency of pushes on one server process. Every push holds a database transaction
// (and the row locks of its entities) while it runs; past a few at once they only queue for pool
// connections and locks inside PostgreSQL, every one of them slows down, and the later ones fail
// on the pool's or the transaction's timeout. The gate lets `slots` pushes run, keeps up to
// `queueLength` more waiting in arrival order (each at most `maxWaitMs`), and refuses the rest
// with 503 SERVER_BUSY + Retry-After before anything is written, so clients keep their changes
// and come back when the backlog has drained. Pulls are not gated: they are short reads.

export interface PushGateOptions {
  /** Pushes applied at once on this process. */
  slots: number;
  /** Pushes that may wait for a slot; one more is refused at once. */
  queueLength: number;
  /** How long a push waits for a slot before it is refused. */
  maxWaitMs: number;
}

export type PushGateRefusal = "queue_full" | "wait_timeout";

export interface PushGateStats {
  inFlight: number;
  waiting: number;
  /** Pushes refused since the process started, by reason. */
  refused: Record<PushGateRefusal, number>;
}

/** Retry-After bounds (seconds): never 0 (a stampede), never so long a device looks offline. */
const minRetryAfter = 1;
const maxRetryAfter = 60;
/** A push's time in its slot before any was measured (a 500-change push on a loaded server). */
const initialHoldMs = 1_000;
/** Weight of the latest push in the moving average of slot hold times. */
const holdWeight = 0.2;

interface Waiter {
  admit(): void;
  timer: ReturnType<typeof setTimeout>;
}

export class PushGate {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private readonly refused: Record<PushGateRefusal, number> = { queue_full: 0, wait_timeout: 0 };
  private holdMs = initialHoldMs;

  constructor(private readonly options: PushGateOptions) {
    if (options.slots < 1) throw new Error("A push gate needs at least one slot");
  }

  /** Runs `task` in a slot; throws 503 SERVER_BUSY (task not run) when none frees up in time. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    const started = performance.now();
    try {
      return await task();
    } finally {
      this.release(performance.now() - started);
    }
  }

  stats(): PushGateStats {
    return { inFlight: this.inFlight, waiting: this.queue.length, refused: { ...this.refused } };
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.options.slots && this.queue.length === 0) {
      this.inFlight++;
      return Promise.resolve();
    }
    if (this.queue.length >= this.options.queueLength) return Promise.reject(this.refuse("queue_full"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          this.inFlight++;
          resolve();
        },
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(this.refuse("wait_timeout"));
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(heldMs: number) {
    this.inFlight--;
    this.holdMs += holdWeight * (heldMs - this.holdMs);
    this.queue.shift()?.admit();
  }

  /** The refusal, its Retry-After the time the pushes now running and waiting take to drain. */
  private refuse(reason: PushGateRefusal) {
    this.refused[reason]++;
    const drainSeconds = (this.holdMs * (this.inFlight + this.queue.length)) / this.options.slots / 1000;
    const retryAfter = Math.min(maxRetryAfter, Math.max(minRetryAfter, Math.ceil(drainSeconds)));
    return appError("SERVER_BUSY", "The server is busy with other pushes and wrote nothing of this one; retry after Retry-After", undefined, retryAfter);
  }
}

/** tRPC middleware body: the rest of the procedure runs in a slot of `gate` (ungated without one). */
export const throughPushGate = <T>(gate: PushGate | null | undefined, next: () => Promise<T>): Promise<T> => (gate ? gate.run(next) : next());
