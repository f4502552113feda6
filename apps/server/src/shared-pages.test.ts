// Devices nudged to pull the same range share one page: 50 devices at the same position pulling
// the range an event named cause one read of the change log, each scope gets its own page (and
// the right one), and a shared page that does not reach a later range is not served for it.
// Reads are counted through a wrapper around the real page reader, against the real database.
import { randomUUID } from "node:crypto";
import { type PullInput, SharedPages, pullRendered } from "@fieldsync/api";
import type { DeltaResponse, Subscription } from "@fieldsync/schema";
import { create } from "@fieldsync/testing/changes";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { type Api, setupApi } from "./test-kit.ts";

const reads: PullInput[] = [];
let api: Api;
beforeAll(async () => {
  const sharedPages = new SharedPages((db, input) => {
    reads.push(input);
    return pullRendered(db, input);
  });
  api = await setupApi({ maxDevicesPerUser: 100, loginMaxAttempts: 1000 }, {}, { queue: null, cache: null, sharedPages });
}, 120_000);
afterAll(() => api?.close());

const delta = async (deviceId: string, body: { pageToken?: string; reach?: string } = {}) => {
  const response = await api.call("tech2", "POST", "/api/sync/delta", { deviceId, pageSize: 500, ...body });
  expect(response.status).toBe(200);
  return response.body as DeltaResponse;
};

/** Pulls the device from `pageToken` (none: its initial sync) to the end of the log. */
async function drain(deviceId: string, pageToken?: string) {
  let page = await delta(deviceId, pageToken ? { pageToken } : {});
  while (page.hasMore) page = await delta(deviceId, { pageToken: page.nextPageToken });
  return { deviceId, token: page.nextPageToken, position: page.position };
}

/** A device of `subscription` after its initial sync. */
async function device(deviceId: string, subscription: Subscription | null) {
  if (subscription) expect((await api.call("tech2", "PUT", "/api/sync/subscription", { deviceId, subscription })).status).toBe(200);
  return drain(deviceId);
}

/** The organization's newest log position, once a pull (fenced) reaches it: the end of the range an event would name. */
async function rangeEnd(control: { deviceId: string; token: string }) {
  const { orgId } = await api.db.user.findFirstOrThrow({ where: { email: "tech2@northwind.test" }, select: { orgId: true } });
  const [row] = await api.db.$queryRaw<{ position: string }[]>`
    SELECT "txid"::text || '.' || "seq"::text AS position FROM "ChangeLog" WHERE "orgId" = ${orgId} ORDER BY "txid" DESC, "seq" DESC LIMIT 1`;
  await vi.waitFor(async () => expect((await delta(control.deviceId, { pageToken: control.token })).position).toBe(row!.position), { timeout: 60_000, interval: 50 });
  return row!.position;
}

const names = (page: DeltaResponse) => page.changes.map((change) => String(change.payload["name"])).sort();

test("50 devices nudged for one range cause one read; each scope gets its own page; a page short of a later range is read again", async () => {
  const basement: Subscription = { locations: ["Basement"] };
  const started = {
    everything: await Promise.all(Array.from({ length: 50 }, (_, i) => device(`fleet-${i}`, null))),
    scoped: await Promise.all(Array.from({ length: 10 }, (_, i) => device(`fleet-scoped-${i}`, basement))),
    control: [await device("fleet-control", null), await device("fleet-control-scoped", basement)],
  };
  // A snapshot ends at its own fence; one change later every device's pull ends on that change:
  // the fleet sits at one position.
  await api.push("tech1", "fleet-writer", [create(randomUUID(), { name: "Fleet anchor", location: "Basement, store" })]);
  await rangeEnd(started.control[0]!);
  const everything = await Promise.all(started.everything.map((d) => drain(d.deviceId, d.token)));
  const scoped = await Promise.all(started.scoped.map((d) => drain(d.deviceId, d.token)));
  const control = { all: await drain("fleet-control", started.control[0]!.token), scoped: await drain("fleet-control-scoped", started.control[1]!.token) };
  expect(new Set([...everything, ...scoped, control.all, control.scoped].map((d) => d.position)).size).toBe(1);

  // More than an event carries: devices are told to pull the range.
  const pushed = Array.from({ length: 150 }, (_, i) => create(randomUUID(), { name: `Fleet ${String(i).padStart(3, "0")}`, location: i % 2 ? "Roof" : "Basement, store" }));
  await api.push("tech1", "fleet-writer", pushed);
  const reach = await rangeEnd(control.all);

  reads.length = 0;
  const pages = await Promise.all(everything.map((d) => delta(d.deviceId, { pageToken: d.token, reach })));
  expect(reads).toHaveLength(1);
  const expected = pushed.map((change) => String((change.payload as { name: string }).name)).sort();
  for (const page of pages) expect(names(page)).toEqual(expected);

  reads.length = 0;
  const scopedPages = await Promise.all(scoped.map((d) => delta(d.deviceId, { pageToken: d.token, reach })));
  expect(reads).toHaveLength(1);
  const inBasement = expected.filter((_, i) => i % 2 === 0);
  for (const page of scopedPages) expect(names(page)).toEqual(inBasement);
  // The same as an unshared read from the same position.
  expect(names(await delta(control.scoped.deviceId, { pageToken: control.scoped.token }))).toEqual(inBasement);

  // A later range: the shared page ends before it, so the next device nudged for it reads afresh and gets it.
  await api.push("tech1", "fleet-writer", [create(randomUUID(), { name: "Fleet late", location: "Roof" })]);
  const later = await rangeEnd(control.all);
  reads.length = 0;
  const late = await delta(everything[0]!.deviceId, { pageToken: everything[0]!.token, reach: later });
  expect(reads).toHaveLength(1);
  expect(names(late)).toEqual([...expected, "Fleet late"].sort());
  expect(late.position).toBe(later);
}, 240_000);
