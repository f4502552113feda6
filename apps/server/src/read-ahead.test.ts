// A catching-up device's next page is read while the last one travels (ReadAhead, through the real
// app and database): the pages it serves carry every change exactly once, changes committed after
// a page was read ahead still arrive, and a device rescoped in between gets its new scope instead.
import { randomUUID } from "node:crypto";
import { ReadAhead } from "@fieldsync/api";
import type { DeltaResponse, ServerChange } from "@fieldsync/schema";
import { create } from "@fieldsync/testing/changes";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { type Api, setupApi } from "./test-kit.ts";

const readAhead = new ReadAhead();
const metricsToken = "read-ahead-test-metrics-token";
let api: Api;
beforeAll(async () => {
  api = await setupApi({ maxDevicesPerUser: 100 }, { metricsToken }, { queue: null, cache: null, readAhead });
}, 120_000);
afterAll(() => api?.close());

const delta = async (deviceId: string, body: { pageToken?: string; pageSize: number }) => {
  const response = await api.call("tech2", "POST", "/api/sync/delta", { deviceId, ...body });
  expect(response.status).toBe(200);
  return response.body as DeltaResponse;
};

/** Pulls from `page` on to the end of the log; every change of the pages after it. */
async function drainFrom(deviceId: string, page: DeltaResponse, pageSize: number) {
  const changes: ServerChange[] = [];
  while (page.hasMore) {
    page = await delta(deviceId, { pageToken: page.nextPageToken, pageSize });
    changes.push(...page.changes);
  }
  return { changes, token: page.nextPageToken };
}

/** Waits until a page read ahead has been read (not only started). */
const readAheadRead = () => vi.waitFor(() => expect(readAhead.stats().keptChars).toBeGreaterThan(0), { timeout: 30_000, interval: 10 });

const names = (changes: ServerChange[]) => changes.map((change) => String(change.payload["name"])).sort();
const assets = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => create(randomUUID(), { name: `${prefix} ${String(i).padStart(2, "0")}`, location: "Plant room" }));

test("pages read ahead carry every change once, and changes committed after a read-ahead still arrive", async () => {
  const start = await drainFrom("ahead-reader", await delta("ahead-reader", { pageSize: 500 }), 500);
  const early = assets("Early", 30);
  await api.push("tech1", "ahead-writer", early);
  const before = readAhead.stats();

  const first = await delta("ahead-reader", { pageToken: start.token, pageSize: 7 });
  expect(first.hasMore).toBe(true);
  // The second page is read now, before the late changes exist.
  await readAheadRead();
  const late = assets("Late", 5);
  await api.push("tech1", "ahead-writer", late);
  const rest = await drainFrom("ahead-reader", first, 7);

  const expected = [...early, ...late].map((change) => String((change.payload as { name: string }).name)).sort();
  expect(names([...first.changes, ...rest.changes])).toEqual(expected);
  // 35 changes in pages of 7: every page after the first that had more was read ahead.
  expect(readAhead.stats().taken - before.taken).toBeGreaterThanOrEqual(4);
  expect((await delta("ahead-reader", { pageToken: rest.token, pageSize: 7 })).changes).toEqual([]);

  // Operators see the hit rate (a balancer without affinity sends the next pull elsewhere: dropped).
  const metrics = await api.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${metricsToken}` } });
  const { started, taken } = readAhead.stats();
  expect(metrics.body).toContain(`fieldsync_pull_read_ahead_pages_total{outcome="taken"} ${taken}`);
  expect(metrics.body).toContain(`fieldsync_pull_read_ahead_pages_total{outcome="started"} ${started}`);
});

test("a device asking again for a page (its answer was lost) gets that page, not the one read ahead after it", async () => {
  const start = await drainFrom("ahead-retry", await delta("ahead-retry", { pageSize: 500 }), 500);
  await api.push("tech1", "ahead-writer", assets("Retried", 12));
  const first = await delta("ahead-retry", { pageToken: start.token, pageSize: 5 });
  await readAheadRead();
  const again = await delta("ahead-retry", { pageToken: start.token, pageSize: 5 });
  expect(names(again.changes)).toEqual(names(first.changes));
  const rest = await drainFrom("ahead-retry", again, 5);
  expect(names([...again.changes, ...rest.changes])).toEqual(Array.from({ length: 12 }, (_, i) => `Retried ${String(i).padStart(2, "0")}`));
});

test("a device rescoped between two pages gets its new scope's snapshot, not the page read ahead for the old one", async () => {
  const first = await delta("ahead-rescoped", { pageSize: 3 });
  expect(first.hasMore).toBe(true);
  await readAheadRead();
  const before = readAhead.stats();
  const subscribed = await api.call("tech2", "PUT", "/api/sync/subscription", { deviceId: "ahead-rescoped", subscription: { locations: ["Basement"] } });
  expect(subscribed.status).toBe(200);

  const next = await delta("ahead-rescoped", { pageToken: first.nextPageToken, pageSize: 3 });
  expect(readAhead.stats().taken).toBe(before.taken);
  const rest = await drainFrom("ahead-rescoped", next, 3);
  const sent = [...next.changes, ...rest.changes].filter((change) => change.entityType === "asset");
  expect(sent.length).toBeGreaterThan(0);
  for (const asset of sent) expect(String(asset.payload["location"])).toMatch(/^Basement/);
});
