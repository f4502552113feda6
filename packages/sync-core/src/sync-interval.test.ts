import { expect, test } from "vitest";
import { intervalSyncDue, liveFullSyncMs } from "./sync-interval.ts";

const current = { now: 100_000, intervalMs: 30_000, liveAt: 95_000, lastSyncAt: 90_000, unsettled: 0 };

test("a device its events kept current within the interval, with nothing to send, skips the interval's sync", () => {
  expect(intervalSyncDue(current)).toBe(false);
});

test("anything to send or settle, no stream, or a stream silent for an interval: the sync runs", () => {
  expect(intervalSyncDue({ ...current, unsettled: 1 })).toBe(true);
  expect(intervalSyncDue({ ...current, liveAt: null })).toBe(true);
  expect(intervalSyncDue({ ...current, lastSyncAt: null })).toBe(true);
  expect(intervalSyncDue({ ...current, liveAt: current.now - 30_000 })).toBe(true);
  expect(intervalSyncDue({ ...current, liveAt: current.now - 29_999 })).toBe(false);
});

test("a live device still syncs in full once liveFullSyncMs has passed", () => {
  expect(intervalSyncDue({ ...current, lastSyncAt: current.now - liveFullSyncMs })).toBe(true);
  expect(intervalSyncDue({ ...current, lastSyncAt: current.now - liveFullSyncMs + 1 })).toBe(false);
});
