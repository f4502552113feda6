import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { SyncEngine } from "./sync-engine.ts";
import { SyncScheduler } from "./sync-scheduler.ts";

// The scheduler's timing rules, with a stand-in engine that counts its syncs.

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

function counting() {
  let syncs = 0;
  const engine = {
    sync: async () => {
      syncs++;
      return { queued: 0 };
    },
    store: { syncState: async () => ({ phase: "idle", failures: 0 }), patchSyncState: async () => undefined },
  } as unknown as SyncEngine;
  return { engine, syncs: () => syncs };
}

test("a planned catch-up syncs once after its delay, and the interval's syncs wait for it", async () => {
  const { engine, syncs } = counting();
  const scheduler = new SyncScheduler(engine, { intervalMs: 1_000 });
  scheduler.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(syncs()).toBe(1);
  scheduler.requestAfter(5_500);
  // Asked again while one is planned: still the first plan.
  scheduler.requestAfter(100);
  expect(scheduler.catchingUp).toBe(true);
  await vi.advanceTimersByTimeAsync(5_000);
  expect(syncs()).toBe(1);
  await vi.advanceTimersByTimeAsync(500);
  expect(syncs()).toBe(2);
  expect(scheduler.catchingUp).toBe(false);
  // The interval runs again afterwards.
  await vi.advanceTimersByTimeAsync(1_000);
  expect(syncs()).toBe(3);
  scheduler.stop();
});

test("a request (an edit) still syncs at once while a catch-up is planned; stop cancels the plan", async () => {
  const { engine, syncs } = counting();
  const scheduler = new SyncScheduler(engine, { intervalMs: 60_000 });
  scheduler.requestAfter(10_000);
  await scheduler.request();
  expect(syncs()).toBe(1);
  scheduler.stop();
  expect(scheduler.catchingUp).toBe(false);
  await vi.advanceTimersByTimeAsync(20_000);
  expect(syncs()).toBe(1);
});

test("a later storm range re-plans a pending catch-up; other events leave it", async () => {
  const { engine, syncs } = counting();
  const scheduler = new SyncScheduler(engine, { intervalMs: 600_000 });
  scheduler.requestAfter(1_000);
  scheduler.requestAfter(500);
  scheduler.requestAfter(30_000, true);
  await vi.advanceTimersByTimeAsync(29_000);
  expect(syncs()).toBe(0);
  await vi.advanceTimersByTimeAsync(1_000);
  expect(syncs()).toBe(1);
  scheduler.stop();
});
