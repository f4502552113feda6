/**
 * The regular sync of a device whose event stream keeps it current. Such a device holds every
 * change its events carried and its token moved with them (event-range.ts), so the scheduler's
 * sync every interval would pull nothing, push nothing and re-read the same conflicts: at 2,000
 * live devices and 30 s, 67 pulls and as many pushes and conflict lists a second of bookkeeping
 * for the server, and a radio woken twice a minute on every phone. It still syncs in full every
 * `liveFullSyncMs`: the organization's conflicts list (others' conflicts come with no event), and
 * a token left behind a preview whose range no later event carried (a quiet organization).
 */

/** The longest a device kept current by its event stream goes without a full sync. */
export const liveFullSyncMs = 5 * 60_000;

export interface IntervalSyncState {
  now: number;
  /** The scheduler's interval (ms). */
  intervalMs: number;
  /** When an event last moved the device's token or found it at the range's end (ms); null: never. */
  liveAt: number | null;
  /** When the device's last full sync ended (ms); null: never. */
  lastSyncAt: number | null;
  /** Outbox entries still to be sent or settled (pending, or waiting on a conflict's resolution). */
  unsettled: number;
}

/**
 * Whether the interval's sync runs: yes with anything to send or settle, without a stream that
 * kept the token current within the last interval, or once `liveFullSyncMs` has passed since the
 * last full sync; otherwise the events did its work.
 */
export function intervalSyncDue({ now, intervalMs, liveAt, lastSyncAt, unsettled }: IntervalSyncState): boolean {
  if (unsettled > 0 || liveAt === null || lastSyncAt === null) return true;
  return now - liveAt >= intervalMs || now - lastSyncAt >= liveFullSyncMs;
}
