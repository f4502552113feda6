import { liveFullSyncMs } from "@fieldsync/sync-core";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { SyncEngine } from "./sync-engine.ts";
import { SyncScheduler } from "./sync-scheduler.ts";

// The scheduler's timing rules, with a stand-in engine that counts its syncs.

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

function counting() {
  let syncs = 0;
  let lastSyncAt: string | null = null;
  const outbox = { unsettled: 0 };
  const engine = {
    liveAt: null as number | null,
    sync: async () => {
      syncs++;
      lastSyncAt = new Date().toISOString();
      return { queued: 0 };
    },
    store: {
      syncState: async () => ({ phase: "idle", failures: 0, lastSyncAt }),
      patchSyncState: async () => undefined,
      unsettled: async () => outbox.unsettled,
    },
  };
  return { engine: engine as unknown as SyncEngine, live: engine, outbox, syncs: () => syncs };
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

test("the interval's sync is left out while events keep the device current, and runs when they stop, with edits to send, or every liveFullSyncMs", async () => {
  const { engine, live, outbox, syncs } = counting();
  const scheduler = new SyncScheduler(engine, { intervalMs: 30_000 });
  scheduler.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(syncs()).toBe(1);
  // An event moves the token every 10 s: the interval finds the device current.
  const events = setInterval(() => (live.liveAt = Date.now()), 10_000);
  await vi.advanceTimersByTimeAsync(90_000);
  expect(syncs()).toBe(1);
  // An edit waits in the outbox (its own request failed, say): the interval sends it.
  outbox.unsettled = 1;
  await vi.advanceTimersByTimeAsync(30_000);
  expect(syncs()).toBe(2);
  outbox.unsettled = 0;
  // Still live: the next full sync comes liveFullSyncMs after the last.
  await vi.advanceTimersByTimeAsync(liveFullSyncMs - 30_000);
  expect(syncs()).toBe(2);
  await vi.advanceTimersByTimeAsync(30_000);
  expect(syncs()).toBe(3);
  // The events stop: one interval later it syncs again, and every interval after.
  clearInterval(events);
  await vi.advanceTimersByTimeAsync(60_000);
  expect(syncs()).toBe(5);
  scheduler.stop();
});
