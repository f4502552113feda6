// ReadAhead without a database: a reader that resolves when told stands in for PostgreSQL; the clock is a variable.
import { expect, test, vi } from "vitest";
import type { PullInput, RenderedPage } from "../pages.ts";
import { ReadAhead, type ReadAheadLimits } from "./read-ahead.ts";

const input = (seq: number, extra: Partial<PullInput> = {}): PullInput => ({
  orgId: "org",
  types: ["asset", "task"],
  cursor: { mode: "log", txid: "100", seq: String(seq), after: null },
  limit: 1000,
  subscription: null,
  ...extra,
});
const page = (chars: number): RenderedPage => ({
  changes: "x".repeat(chars),
  cursor: { mode: "log", txid: "200", seq: "1", after: null },
  hasMore: true,
  progress: null,
  evict: [],
});
const read = (chars = 10) => vi.fn(async () => ({ value: page(chars), lsn: undefined }));
/** The readers above resolve within a few microtasks; a macrotask later they have. */
const settled = () => new Promise((resolve) => setImmediate(resolve));
const setup = (limits: Partial<ReadAheadLimits> = {}) => {
  const clock = { now: 0 };
  const ahead = new ReadAhead({ maxReading: 100, maxPages: 4, maxChars: 1_000, ttlMs: 30_000, ...limits }, () => clock.now);
  return { ahead, clock };
};

test("a page read ahead is handed out once, to the pull with the same input", async () => {
  const { ahead } = setup();
  const reader = read();
  ahead.start(input(1), undefined, reader);
  ahead.start(input(1), undefined, reader);
  expect(reader).toHaveBeenCalledTimes(1);
  expect((await ahead.take(input(1), undefined))?.value.changes).toBe("x".repeat(10));
  expect(await ahead.take(input(1), undefined)).toBeUndefined();
  expect(ahead.stats()).toMatchObject({ started: 1, taken: 1, kept: 0, keptChars: 0 });
});

test("anything the page depends on is part of its key", async () => {
  const { ahead } = setup({ maxPages: 100 });
  ahead.start(input(1), undefined, read());
  const others: [PullInput, string | undefined][] = [
    [input(2), undefined],
    [input(1, { orgId: "other" }), undefined],
    [input(1, { types: ["asset"] }), undefined],
    [input(1, { subscription: { locations: ["Basement"] } }), undefined],
    [input(1, { limit: 999 }), undefined],
    [input(1, { after: "2026-01-01T00:00:00.000Z" }), undefined],
    [input(1, { excludeClientId: "device" }), undefined],
    [input(1, { cursor: { mode: "snapshot", fence: "100", typeIndex: 0, lastId: "", sent: 0, total: 5 } }), undefined],
    [input(1), "0/16B3748"],
  ];
  for (const [other, lsn] of others) expect(await ahead.take(other, lsn)).toBeUndefined();
  // The order of the types does not matter (tokens carry them sorted).
  expect(await ahead.take(input(1, { types: ["task", "asset"] }), undefined)).toBeDefined();
});

test("a page not asked for within its age is dropped", async () => {
  const { ahead, clock } = setup();
  ahead.start(input(1), undefined, read());
  clock.now = 30_000;
  expect(await ahead.take(input(1), undefined)).toBeUndefined();
  expect(ahead.stats()).toMatchObject({ started: 1, taken: 0, dropped: 1, kept: 0 });
});

test("one page is read ahead at a time; the next is skipped until it is read", async () => {
  const { ahead } = setup({ maxReading: 1 });
  let finish!: () => void;
  ahead.start(input(1), undefined, () => new Promise((resolve) => (finish = () => resolve({ value: page(10), lsn: undefined }))));
  ahead.start(input(2), undefined, read());
  expect(ahead.stats()).toMatchObject({ started: 1, skipped: 1 });
  finish();
  await settled();
  ahead.start(input(3), undefined, read());
  expect(ahead.stats()).toMatchObject({ started: 2, skipped: 1, kept: 2 });
});

test("past its bounds in pages or characters nothing more is read ahead", async () => {
  const byPages = setup({ maxPages: 2 }).ahead;
  for (const seq of [1, 2, 3]) byPages.start(input(seq), undefined, read());
  expect(byPages.stats()).toMatchObject({ started: 2, skipped: 1, kept: 2 });

  const byChars = setup({ maxChars: 1_000 }).ahead;
  byChars.start(input(1), undefined, read(1_000));
  await settled();
  byChars.start(input(2), undefined, read());
  expect(byChars.stats()).toMatchObject({ started: 1, skipped: 1, keptChars: 1_000 });
  await byChars.take(input(1), undefined);
  expect(byChars.stats().keptChars).toBe(0);
});

test("a failed read is not kept: the pull reads its page itself", async () => {
  const { ahead } = setup();
  ahead.start(input(1), undefined, async () => Promise.reject(new Error("connection lost")));
  expect(await ahead.take(input(1), undefined)).toBeUndefined();
  ahead.start(input(2), undefined, async () => Promise.reject(new Error("connection lost")));
  await settled();
  expect(ahead.stats()).toMatchObject({ started: 2, taken: 0, kept: 0 });
});
