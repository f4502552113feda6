// SharedPages without a database: a counting reader stands in for PostgreSQL, the clock is faked.
import type { Db } from "@fieldsync/db";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { PullInput, RenderedPage } from "../sync/pull.ts";
import { SharedPages } from "./shared-pages.ts";

const db = {} as Db;
const input = (seq: number): PullInput => ({
  orgId: "org",
  types: ["asset"],
  cursor: { mode: "log", txid: "100", seq: String(seq), after: null },
  limit: 1000,
  subscription: null,
});
/** A full page of `bytes` characters of changes (the device goes on pulling after it). */
const page = (bytes: number): RenderedPage => ({
  changes: "x".repeat(bytes),
  cursor: { mode: "log", txid: "200", seq: "1", after: null },
  hasMore: true,
  progress: null,
  evict: [],
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("a fleet paced by the pull gate over many seconds still shares one read per page", async () => {
  const read = vi.fn(async () => page(10));
  const pages = new SharedPages(read);
  await pages.pull(db, input(1), "200.1");
  vi.advanceTimersByTime(20_000);
  await pages.pull(db, input(1), "200.1");
  expect(read).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(60_000);
  await pages.pull(db, input(1), "200.1");
  expect(read).toHaveBeenCalledTimes(2);
});

test("the pages kept are bounded by their size: the oldest go first", async () => {
  const read = vi.fn(async () => page(12 * 1024 * 1024));
  const pages = new SharedPages(read);
  for (const seq of [1, 2, 3]) await pages.pull(db, input(seq), "200.1");
  // 36 MiB read: the first page was dropped, the two after it are kept.
  await pages.pull(db, input(3), "200.1");
  await pages.pull(db, input(2), "200.1");
  expect(read).toHaveBeenCalledTimes(3);
  await pages.pull(db, input(1), "200.1");
  expect(read).toHaveBeenCalledTimes(4);
});
