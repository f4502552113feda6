import { appError } from "./errors.ts";

// Bounded concurrency of pushes on one server process. Every push holds a database transaction
// (and the row locks of its entities) while it runs; past a few at once they only queue for pool
// connections and locks inside PostgreSQL, every one of them slows down, and the later ones fail
// on the pool's or the transaction's timeout. The gate lets `slots` pushes run, keeps up to
// `queueLength` more waiting in arrival order (each at most `maxWaitMs`), and refuses the rest
// with 503 SERVER_BUSY + Retry-After before anything is written, so clients keep their changes
// and come back when the backlog has drained. Pulls have a gate of their own (below).
//
// Small pushes (a technician's edit) have an express lane: a reconnect storm of large pushes may
// fill every slot and the queue, but a small push then takes one of the lane's own slots (or
// waits in the lane's own queue, ahead of the large ones when a slot frees), so live writers are
// answered while the storm's pushes queue and throttle.
//
// The same gate, with its own slots, bounds the pulls a process serves at once (`requests:
// "pulls"`): after a storm every device of a fleet is told to pull the same range at once, and
// unbounded, their reads and bookkeeping took every pool connection the pushes needed.

export interface PushGateOptions {
  /** Pushes applied at once on this process. */
  slots: number;
  /** Pushes that may wait for a slot; one more is refused at once. */
  queueLength: number;
  /** How long a push waits for a slot before it is refused. */
  maxWaitMs: number;
  /** Slots only pushes of at most `maxChanges` changes take, with a queue as long as `queueLength`; none without. */
  express?: { slots: number; maxChanges: number };
  /** What the gate admits, for its refusal's message (default: pushes). */
  requests?: "pushes" | "pulls";
  /**
   * Paces what the gate lets through to this many bytes a second (`run`'s `weigh` says a task's):
   * a task's slot stays taken until its answer would have gone out at the slot's share of the
   * rate. A fleet catching up on a storm from shared pages costs little per pull in the database
   * but its megabytes in every socket and parser; paced, it cannot crowd out the live traffic.
   */
  bytesPerSecond?: number;
}

const busyMessages = {
  pushes: "The server is busy with other pushes and wrote nothing of this one; retry after Retry-After",
  pulls: "The server is busy serving other pulls; retry after Retry-After (your token stays valid)",
} as const;

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
/** Refused clients remembered as due back (bounds the memory a flood of refusals takes). */
const maxDueBack = 100_000;
/** Weight of the latest push in the moving average of slot hold times. */
const holdWeight = 0.2;

interface Waiter {
  /** Hands the waiter the slot of `lane` (a small push may get a general one). */
  admit(lane: Lane): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Slots in use and pushes waiting for them, of the general lane or the express one. */
interface Lane {
  slots: number;
  inFlight: number;
  queue: Waiter[];
}

export class PushGate {
  private readonly general: Lane;
  private readonly express: Lane;
  private readonly refused: Record<PushGateRefusal, number> = { queue_full: 0, wait_timeout: 0 };
  private holdMs = initialHoldMs;
  /**
   * When each client refused lately is due back (ms, performance.now()): it will queue again, so
   * the Retry-After of the next refusal counts it as ahead. Without it a fleet refused together
   * was told the same short wait and came back together, again and again.
   */
  private readonly dueBack: number[] = [];

  constructor(private readonly options: PushGateOptions) {
    if (options.slots < 1) throw new Error("A push gate needs at least one slot");
    this.general = { slots: options.slots, inFlight: 0, queue: [] };
    this.express = { slots: options.express?.slots ?? 0, inFlight: 0, queue: [] };
  }

  /**
   * Runs `task` (a push of `changes` changes) in a slot; throws 503 SERVER_BUSY (task not run)
   * when none frees up in time. With `bytesPerSecond`, `weigh` gives the bytes of its answer,
   * which is returned at once while the slot stays taken for the paced time.
   */
  async run<T>(task: () => Promise<T>, changes = Number.POSITIVE_INFINITY, weigh?: (answer: T) => number): Promise<T> {
    const lane = await this.acquire(changes <= (this.options.express?.maxChanges ?? -1) && this.express.slots > 0);
    const started = performance.now();
    let pacedMs = 0;
    try {
      const answer = await task();
      pacedMs = this.pacedMs(weigh?.(answer) ?? 0);
      return answer;
    } finally {
      const ranMs = performance.now() - started;
      if (ranMs >= pacedMs) this.release(lane, ranMs);
      else setTimeout(() => this.release(lane, pacedMs), pacedMs - ranMs).unref?.();
    }
  }

  /** How long `bytes` take at one slot's share of `bytesPerSecond` (0 without pacing). */
  private pacedMs(bytes: number) {
    const rate = this.options.bytesPerSecond;
    return rate ? (bytes * 1000 * (this.general.slots + this.express.slots)) / rate : 0;
  }

  stats(): PushGateStats {
    return {
      inFlight: this.general.inFlight + this.express.inFlight,
      waiting: this.general.queue.length + this.express.queue.length,
      refused: { ...this.refused },
    };
  }

  /** A small push takes any free slot, the express lane's last, and waits in that lane's queue. */
  private acquire(small: boolean): Promise<Lane> {
    const { general, express } = this;
    if (general.inFlight < general.slots && (small || general.queue.length === 0)) return Promise.resolve(this.take(general));
    if (small && express.inFlight < express.slots) return Promise.resolve(this.take(express));
    const lane = small ? express : general;
    if (lane.queue.length >= this.options.queueLength) return Promise.reject(this.refuse("queue_full"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: (slot) => {
          clearTimeout(waiter.timer);
          resolve(slot);
        },
        timer: setTimeout(() => {
          lane.queue.splice(lane.queue.indexOf(waiter), 1);
          reject(this.refuse("wait_timeout"));
        }, this.options.maxWaitMs),
      };
      lane.queue.push(waiter);
    });
  }

  private take(lane: Lane): Lane {
    lane.inFlight++;
    return lane;
  }

  /** A freed general slot goes to a waiting small push first (it holds the slot briefly), then to the general queue. */
  private release(lane: Lane, heldMs: number) {
    lane.inFlight--;
    this.holdMs += holdWeight * (heldMs - this.holdMs);
    const next = this.express.queue.shift() ?? (lane === this.general ? this.general.queue.shift() : undefined);
    if (!next) return;
    next.admit(this.take(lane));
  }

  /**
   * The refusal, its Retry-After the time the requests now running, waiting, and refused but due
   * back take to drain (clients add their own spread on top).
   */
  private refuse(reason: PushGateRefusal) {
    this.refused[reason]++;
    const now = performance.now();
    // Nearly in order (waits grow with the herd); one due a little later than the head only lingers.
    while (this.dueBack.length > 0 && this.dueBack[0]! <= now) this.dueBack.shift();
    const { inFlight, waiting } = this.stats();
    const ahead = inFlight + waiting + this.dueBack.length;
    const drainSeconds = (this.holdMs * ahead) / (this.general.slots + this.express.slots) / 1000;
    const retryAfter = Math.min(maxRetryAfter, Math.max(minRetryAfter, Math.ceil(drainSeconds)));
    if (this.dueBack.length < maxDueBack) this.dueBack.push(now + retryAfter * 1000);
    return appError("SERVER_BUSY", busyMessages[this.options.requests ?? "pushes"], undefined, retryAfter);
  }
}

/**
 * tRPC middleware body: the rest of the procedure, a push of `changes` changes, runs in a slot of
 * `gate` (ungated without one); `weigh` gives its answer's bytes to a paced gate.
 */
export const throughPushGate = <T>(gate: PushGate | null | undefined, next: () => Promise<T>, changes?: number, weigh?: (answer: T) => number): Promise<T> =>
  gate ? gate.run(next, changes, weigh) : next();
