import type { Db } from "@fieldsync/db";
import { comparePositions, parsePosition, scopeKey } from "@fieldsync/sync-core";
import { type PullInput, type RenderedPage, pullRendered } from "../sync/pull.ts";

/** Reads one page (pull.ts's `pullRendered`, changes as JSON text; tests pass a counting wrapper around it). */
export type PageReader = (db: Db, input: PullInput) => Promise<RenderedPage>;

/**
 * How long a shared page is offered, and how many, of how many characters in all, are kept (the
 * oldest go first). Long enough for a fleet whose catch-up the pull gate spreads over tens of
 * seconds (Retry-After) to find the pages still there; a 1,000-change page is ~0.5 MB.
 */
const ttlMs = 60_000;
const maxPages = 256;
const maxChars = 32 * 1024 * 1024;

interface Shared {
  readAt: number;
  page: Promise<RenderedPage>;
  /** Its changes' length once read (0 until then). */
  chars: number;
}

/**
 * One page per organization, range and scope for devices pulling because an event told them to
 * (a range too large to carry, or one they missed): the devices of a fleet sit at the same
 * position, so the first pull reads the page and the others, arriving while it is read or
 * within the minute after (the pull gate spreads a fleet's catch-up), get the same one instead
 * of a query each.
 *
 * A device names the range it was nudged for by its end (`reach`, the event's `range.to`); a
 * shared page serves it only if it reaches that far or is full (the device goes on pulling), so a
 * page read before the event's changes were visible is never served as the answer to it, on this
 * process or any other. A log page below the fence never changes once read, so serving it again
 * is gap-free. Pulls without `reach`, snapshots and time-filtered pulls are read as before.
 */
export class SharedPages {
  private readonly pages = new Map<string, Shared>();
  private chars = 0;

  constructor(private readonly read: PageReader = pullRendered) {}

  async pull(db: Db, input: PullInput, reach: string | undefined): Promise<RenderedPage> {
    const key = pageKey(input);
    const target = reach === undefined ? null : parsePosition(reach);
    if (!key || !target) return this.read(db, input);
    const now = Date.now();
    const shared = this.pages.get(key);
    if (shared && now - shared.readAt < ttlMs) {
      const page = await shared.page.catch(() => null);
      if (page && covers(page, target)) return page;
    }
    const page = this.read(db, input);
    this.drop(key);
    const entry: Shared = { readAt: now, page, chars: 0 };
    this.pages.set(key, entry);
    this.evict(now);
    page.then(
      (read) => {
        if (this.pages.get(key) !== entry) return;
        entry.chars = read.changes.length;
        this.chars += entry.chars;
        this.evict(now);
      },
      // A failed read is not shared; its caller gets the error.
      () => {
        if (this.pages.get(key) === entry) this.drop(key);
      },
    );
    return page;
  }

  /** In order of reading: the expired (and past the caps, the oldest) go first. */
  private evict(now: number) {
    for (const [key, old] of this.pages) {
      if (this.pages.size <= maxPages && this.chars <= maxChars && now - old.readAt < ttlMs) break;
      this.drop(key);
    }
  }

  private drop(key: string) {
    this.chars -= this.pages.get(key)?.chars ?? 0;
    this.pages.delete(key);
  }
}

/** The key of a log page from a position (null for pages that are not shared). */
function pageKey(input: PullInput): string | null {
  const cursor = input.cursor;
  if (cursor?.mode !== "log" || cursor.after !== null || input.after !== undefined || input.excludeClientId) return null;
  return [input.orgId, [...input.types].sort().join(","), scopeKey(input.subscription), `${cursor.txid}.${cursor.seq}`, input.limit].join("|");
}

/** Whether a page answers a device nudged for a range ending at `target`. */
function covers(page: RenderedPage, target: { txid: bigint; seq: bigint }): boolean {
  if (page.hasMore) return true;
  const end = page.cursor.mode === "log" ? parsePosition(`${page.cursor.txid}.${page.cursor.seq}`) : null;
  return end !== null && comparePositions(end, target) >= 0;
}
