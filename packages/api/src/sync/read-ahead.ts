import { scopeKey } from "@fieldsync/sync-core";
import type { PageReadAhead, ReadAheadStats } from "../context.ts";
import type { PullInput, RenderedPage } from "../pages.ts";
import type { ReplicaRead } from "./read-replica.ts";

/**
 * A catching-up device pulls page after page, each asked for only once the last has arrived:
 * the database read of the next page (half a page's round trip) waited behind the transfer and
 * parsing of this one. After a page that says "more", the next one is read at once and kept
 * here, so the device's next pull finds it read, or being read.
 *
 * Serving it later is gap-free: a log page holds rows below the fence of its reading and its
 * cursor moves only past rows it read (pull.ts), so a change committed after the read-ahead lies
 * after its cursor and comes with a later page, exactly as if the device had asked earlier. The
 * device's checks (token, revocation, resets, subscription) run on its request before a kept
 * page is taken, and the key holds everything the page depends on: a rescoped or reset device
 * asks for another page. Kept pages are bounded in number, characters and age, and the reads in
 * flight (one by default: the pull gate's slots bound the requests' own reads, and the pool is
 * sized for those); reading ahead stops while the pull gate has pulls waiting.
 */

export interface ReadAheadLimits {
  /** Pages being read at once: each holds a connection of the pool the pull gate's slots are sized against. */
  maxReading: number;
  /** Pages kept (read or being read) at once. */
  maxPages: number;
  /** Characters of kept pages' changes (a 1,000-change page of ~1 KB entities is ~1.3 M). */
  maxChars: number;
  /** A page not asked for within this long is dropped: its device went away. */
  ttlMs: number;
}

export const defaultReadAheadLimits: ReadAheadLimits = { maxReading: 1, maxPages: 16, maxChars: 64 * 1024 * 1024, ttlMs: 30_000 };

interface Kept {
  page: Promise<ReplicaRead<RenderedPage>>;
  startedAt: number;
  /** Its changes' length once read (0 until then). */
  chars: number;
}

export class ReadAhead implements PageReadAhead {
  private readonly pages = new Map<string, Kept>();
  private chars = 0;
  private reading = 0;
  private readonly counts: ReadAheadStats = { started: 0, taken: 0, dropped: 0, skipped: 0 };

  constructor(
    private readonly limits: ReadAheadLimits = defaultReadAheadLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Reads the page of `input` (with `lsn`, the position its token will demand) by `read`, unless
   * it is kept already or the bounds are reached. Never throws: a failed read is only not kept.
   */
  start(input: PullInput, lsn: string | undefined, read: () => Promise<ReplicaRead<RenderedPage>>): void {
    const now = this.clock();
    this.expire(now);
    const key = readAheadKey(input, lsn);
    if (this.pages.has(key)) return;
    if (this.reading >= this.limits.maxReading || this.pages.size >= this.limits.maxPages || this.chars >= this.limits.maxChars) {
      this.counts.skipped++;
      return;
    }
    this.reading++;
    const kept: Kept = { page: read().finally(() => this.reading--), startedAt: now, chars: 0 };
    this.pages.set(key, kept);
    this.counts.started++;
    kept.page.then(
      ({ value }) => {
        if (this.pages.get(key) !== kept) return;
        kept.chars = value.changes.length;
        this.chars += kept.chars;
      },
      () => {
        if (this.pages.get(key) === kept) this.drop(key);
      },
    );
  }

  /** The page read ahead for `input` and `lsn`, handed out once; undefined when none is kept (or its read failed). */
  async take(input: PullInput, lsn: string | undefined): Promise<ReplicaRead<RenderedPage> | undefined> {
    this.expire(this.clock());
    const key = readAheadKey(input, lsn);
    const kept = this.pages.get(key);
    if (!kept) return undefined;
    this.chars -= kept.chars;
    this.pages.delete(key);
    const page = await kept.page.catch(() => undefined);
    if (page) this.counts.taken++;
    return page;
  }

  /** Its counts, and the pages (and their characters) kept now. */
  stats(): ReadAheadStats & { kept: number; keptChars: number } {
    return { ...this.counts, kept: this.pages.size, keptChars: this.chars };
  }

  /** Pages past their age go, oldest first (the map keeps the order they were started in). */
  private expire(now: number) {
    for (const [key, kept] of this.pages) {
      if (now - kept.startedAt < this.limits.ttlMs) break;
      this.drop(key);
      this.counts.dropped++;
    }
  }

  private drop(key: string) {
    this.chars -= this.pages.get(key)?.chars ?? 0;
    this.pages.delete(key);
  }
}

/**
 * Everything a page depends on. The cursor is keyed as it was sealed into the token (seal.ts
 * writes it with JSON.stringify and the next request reads it back in the same key order).
 */
function readAheadKey(input: PullInput, lsn: string | undefined): string {
  return JSON.stringify([
    input.orgId,
    [...input.types].sort(),
    scopeKey(input.subscription),
    input.cursor,
    input.after ?? null,
    input.limit,
    input.excludeClientId ?? null,
    lsn ?? null,
  ]);
}
