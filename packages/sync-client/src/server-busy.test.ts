// A server at its push limit answers 503 SERVER_BUSY + Retry-After. The client keeps its outbox
// whole (nothing marked failed, the batch not split), does not call again before Retry-After, even
// when asked to, and then delivers every change once. Through a real server whose one push slot is
// held by another device's push, blocked on a lock of the Asset table.
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { holdWrites } from "@fieldsync/testing/write-hold";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { ApiError, parseRetryAfter } from "./api-client.ts";
import { SyncScheduler, retryDelay } from "./sync-scheduler.ts";
import { loggedInDevice } from "./test-support/device.ts";

let server: TestServer;

/** The server process's push gate, as its /metrics reports it (loopback needs no token). */
async function pushesInFlight(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^fieldsync_push_gate_in_flight (\d+)$/m.exec(text)?.[1]);
}
beforeAll(async () => {
  server = await startTestServer({ pushGate: { slots: 1, queueLength: 0, maxWaitMs: 0 } });
});
afterAll(async () => {
  await server?.stop();
});

/** A transport that notes each push it carries: how many changes, and the answer's status and Retry-After. */
function recordingFetch() {
  const pushes: { changes: number; status: number; retryAfter: string | null }[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).endsWith("/api/sync")) {
      const { changes } = JSON.parse(String(init?.body)) as { changes: unknown[] };
      pushes.push({ changes: changes.length, status: response.status, retryAfter: response.headers.get("retry-after") });
    }
    return response;
  };
  return { fetch: fetchFn, pushes };
}

test("a push refused with 503 SERVER_BUSY keeps the outbox, waits for Retry-After (with jitter) and is then delivered whole", async () => {
  const transport = recordingFetch();
  // Named apart: devices of one name share a sync lock, and the blocker holds its lock while blocked.
  const blocker = await loggedInDevice(server.url, "tech1@northwind.test", { name: "blocker" });
  const device = await loggedInDevice(server.url, "tech2@northwind.test", { name: "refused", fetch: transport.fetch });
  await blocker.engine.sync();
  await device.engine.sync();
  transport.pushes.length = 0;

  const hold = await holdWrites(server.db, "Asset");
  await blocker.engine.store.create("asset", { name: "Holds the only slot" });
  const blocked = blocker.engine.sync();
  await vi.waitFor(async () => expect(await pushesInFlight(server.url)).toBe(1), { timeout: 20_000, interval: 20 });

  const ids = [await device.engine.store.create("asset", { name: "Busy 1" }), await device.engine.store.create("asset", { name: "Busy 2" })];
  const scheduler = new SyncScheduler(device.engine, { backoff: { random: () => 0 } });
  const refusedAt = Date.now();
  await scheduler.request();
  expect(transport.pushes).toEqual([{ changes: 2, status: 503, retryAfter: expect.stringMatching(/^\d+$/) }]);
  const retryAfterMs = Number(transport.pushes[0]!.retryAfter) * 1000;
  expect(retryAfterMs).toBeGreaterThanOrEqual(1000);
  const state = await device.engine.store.syncState();
  expect(state.lastError).toMatchObject({ code: "SERVER_BUSY" });
  // Busy is not broken: the status says the server asked to wait, not that sync failed.
  expect(state.phase).toBe("busy");
  expect(Date.parse(state.nextRetryAt!)).toBeGreaterThanOrEqual(refusedAt + retryAfterMs);
  // Nothing failed or was split: both changes still wait in the outbox.
  expect((await device.db.outbox.toArray()).map((entry) => entry.status)).toEqual(["pending", "pending"]);

  // An edit during the wait does not call the server early: it goes with the retry.
  await scheduler.request();
  expect(transport.pushes).toHaveLength(1);

  await hold.release();
  await blocked;
  await vi.waitFor(async () => expect(await device.db.outbox.count()).toBe(0), { timeout: 60_000, interval: 50 });
  scheduler.stop();
  expect(transport.pushes.slice(1)).toEqual([{ changes: 2, status: 200, retryAfter: null }]);
  expect(await server.db.asset.count({ where: { id: { in: ids } } })).toBe(2);
  expect(await server.db.changeLog.count({ where: { entityId: { in: ids } } })).toBe(2);
  blocker.close();
  device.close();
});

test("Retry-After is read as seconds or as an HTTP date; the retry waits at least that, jitter on top", () => {
  expect(parseRetryAfter("7")).toBe(7000);
  expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
  expect(parseRetryAfter(null)).toBeUndefined();
  expect(parseRetryAfter("soon")).toBeUndefined();
  const busy = new ApiError(503, "SERVER_BUSY", "busy", [], 4000);
  expect(retryDelay(busy, 9, { random: () => 0 })).toBe(4000);
  expect(retryDelay(busy, 9, { random: () => 0.999 })).toBe(5998);
  // Without Retry-After: the exponential backoff of the failures so far.
  expect(retryDelay(new ApiError(503, "SERVICE_UNAVAILABLE", "down"), 3, { baseMs: 1000, random: () => 0 })).toBe(2000);
});
