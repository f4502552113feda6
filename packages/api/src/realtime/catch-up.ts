import { catchUpSpreadMs } from "@fieldsync/schema";

/** The longest catch-up window an event names: a fleet still catches up on a bulk import within it. */
export const maxCatchUpMs = 10 * 60_000;

/**
 * Sizes the window (a range's `catchUpMs`) within which a fleet pulls a range announced without
 * its changes: every device of the organization's streams will pull about `bytes`, and this
 * process serves pulls at `bytesPerSecond` (the pull gate's pace). The catch-up still owed for
 * earlier such ranges counts too, draining at that rate, so a storm's later ranges get later
 * windows instead of the whole fleet asking at once and being refused (or crowding out the live
 * events). Below `catchUpSpreadMs` the default spread applies and no window is named.
 */
export class CatchUpWindows {
  /** Bytes of catch-up pulls owed, as of `at` (ms, `now()`). */
  private owed = 0;
  private at: number;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(bytesPerSecond > 0)) throw new Error("A catch-up pace needs a positive rate");
    this.at = now();
  }

  window(streams: number, bytes: number): number | undefined {
    const at = this.now();
    this.owed = Math.max(0, this.owed - ((at - this.at) * this.bytesPerSecond) / 1000);
    this.at = at;
    // What is owed beyond the longest window is not counted: those devices pull at its end anyway.
    this.owed = Math.min(this.owed + streams * bytes, (maxCatchUpMs * this.bytesPerSecond) / 1000);
    const ms = Math.ceil((this.owed * 1000) / this.bytesPerSecond);
    return ms > catchUpSpreadMs ? ms : undefined;
  }
}
