import { expect, test } from "vitest";
import { ApiError, NetworkError } from "./api-client.ts";
import { syncWithinEvent } from "./background-sync.ts";
import type { SyncEngine } from "./sync-engine.ts";

// The service worker's Background Sync work, with a stand-in engine whose syncs fail as told.

function engineFailing(...errors: unknown[]) {
  let calls = 0;
  const engine = {
    sync: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return {};
    },
  } as unknown as Pick<SyncEngine, "sync">;
  return { engine, calls: () => calls };
}

const waits: number[] = [];
const options = { backoff: { random: () => 0 }, sleep: async (ms: number) => void waits.push(ms) };

test("a sync that fails on a network just back is tried again within the event, after the backoff", async () => {
  waits.length = 0;
  const { engine, calls } = engineFailing(new NetworkError("offline"), new ApiError(503, "SERVER_BUSY", "busy"));
  await syncWithinEvent(engine, options);
  expect(calls()).toBe(3);
  expect(waits).toEqual([500, 1_000]);
});

test("what a retry cannot fix, spent attempts and a long Retry-After go to the browser's own retry", async () => {
  const refused = new ApiError(401, "UNAUTHORIZED", "log in");
  const unauthorized = engineFailing(refused);
  await expect(syncWithinEvent(unauthorized.engine, options)).rejects.toBe(refused);
  expect(unauthorized.calls()).toBe(1);

  const down = new NetworkError("offline");
  const offline = engineFailing(down, down, down, down, down);
  await expect(syncWithinEvent(offline.engine, { ...options, attempts: 3 })).rejects.toBe(down);
  expect(offline.calls()).toBe(3);

  const busy = new ApiError(503, "SERVER_BUSY", "busy", [], 60_000);
  const later = engineFailing(busy);
  await expect(syncWithinEvent(later.engine, options)).rejects.toBe(busy);
  expect(later.calls()).toBe(1);
});
