// Range events filtered per subscription, through a real server process and its SSE streams:
// devices without a subscription, with a location subscription and with an entity-type one follow
// the same pushes. Each takes only what is in its scope from the events, an event with nothing in
// its scope still moves its token, and what each ends up holding is exactly what a twin device of
// the same scope holds that pulls after every push instead (nothing skipped, nothing out of scope;
// a pull judges a task by where its asset is at the time, so the twin pulls at the same moments).
import { randomUUID } from "node:crypto";
import type { DeltaResponse, ServerChange, SyncChangeInput, SyncEvent } from "@fieldsync/schema";
import { rangeStep, scopeKey } from "@fieldsync/sync-core";
import { create, update } from "@fieldsync/testing/changes";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { readEvents } from "@fieldsync/testing/sse-client";
import { afterAll, beforeAll, expect, test } from "vitest";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 200_000);
afterAll(() => server?.stop());

// Seeded Northwind asset 2 is the Chiller on the "Roof".
const roofAsset = "10000000-0000-4000-8000-000000000002";

/** What a device holds: entity → version, as pulls and events leave it. */
type Held = Map<string, number>;
const fold = (held: Held, changes: readonly ServerChange[], evict: readonly { entityType: string; entityId: string }[] = []) => {
  for (const change of changes) {
    if (change.operation === "DELETE") held.delete(`${change.entityType}:${change.entityId}`);
    else held.set(`${change.entityType}:${change.entityId}`, change.clientVersion);
  }
  for (const ref of evict) held.delete(`${ref.entityType}:${ref.entityId}`);
};

interface Follower {
  deviceId: string;
  token: string;
  position: string | null;
  held: Held;
  pulls: number;
  /** Events with a range that moved its token without a pull, and those of them with nothing in its scope. */
  advanced: number;
  advancedEmpty: number;
  events: AsyncGenerator<SyncEvent>;
}

/** Pulls from `token` to the end of the log (below the fence). */
async function drain(deviceId: string, token?: string) {
  const pages: DeltaResponse[] = [];
  let next = token;
  do {
    const response = await server.call("tech2", "POST", "/api/sync/delta", { deviceId, pageSize: 500, ...(next && { pageToken: next }) });
    expect(response.status).toBe(200);
    pages.push(response.body);
    next = response.body.nextPageToken;
  } while (pages.at(-1)!.hasMore);
  const held: Held = new Map();
  for (const page of pages) fold(held, page.changes, page.evict);
  return { pages, held, token: next!, position: pages.at(-1)!.position };
}

/** Pulls the device up to the end of the log (below the fence), folding what it gets into its holdings; its new position. */
async function catchUp(device: { deviceId: string; token: string; held: Held }) {
  const pulled = await drain(device.deviceId, device.token);
  for (const page of pulled.pages) fold(device.held, page.changes, page.evict);
  device.token = pulled.token;
  return pulled.position;
}

async function follower(deviceId: string, subscription: Record<string, unknown> | null): Promise<Follower & { twin: { deviceId: string; token: string; held: Held } }> {
  const twinId = `${deviceId}-twin`;
  if (subscription) {
    for (const id of [deviceId, twinId]) expect((await server.call("tech2", "PUT", "/api/sync/subscription", { deviceId: id, subscription })).status).toBe(200);
  }
  const initial = await drain(deviceId);
  const twin = await drain(twinId);
  const response = await fetch(`${server.url}/api/sync/events?deviceId=${deviceId}`, { headers: { authorization: `Bearer ${await server.token("tech2", deviceId)}` } });
  const stream = readEvents(response);
  expect((await stream.next()).value?.event).toBe("ready");
  const events = (async function* () {
    for await (const { event, data } of stream) if (event === "changes") yield data as SyncEvent;
  })();
  return {
    deviceId,
    twin: { deviceId: twinId, token: twin.token, held: twin.held },
    token: initial.token,
    position: initial.position,
    held: initial.held,
    pulls: 0,
    advanced: 0,
    advancedEmpty: 0,
    events,
  };
}

/** Takes one event as a device does (SyncEngine.applyLiveEvent): advance with the range, or pull. */
async function take(device: Follower, event: SyncEvent, subscription: Record<string, unknown> | null) {
  expect(event.scope ?? "").toBe(scopeKey(subscription as never));
  const range = event.range;
  const step = range ? rangeStep(device.position, range) : "pull";
  if (range && step === "advance" && range.changes && range.syncToken) {
    fold(device.held, range.changes, range.evict);
    device.token = range.syncToken;
    device.position = range.to;
    device.advanced++;
    if (range.changes.length === 0) device.advancedEmpty++;
  } else if (step === "pull") {
    device.position = await catchUp(device);
    device.pulls++;
  }
  for (const change of [...(range?.changes ?? []), ...(event.changes ?? [])]) expect(inScope(subscription, change), `${change.entityType} ${change.entityId}`).toBe(true);
}

/** The scopes under test: a location subscription keeps the "Basement" and what points there. */
const scopes = { all: null, basement: { locations: ["Basement"] }, tasks: { entityTypes: ["task"] } } as const;
const basementIds = new Set<string>();
function inScope(subscription: Record<string, unknown> | null, change: ServerChange) {
  if (subscription === scopes.tasks) return change.entityType === "task";
  if (subscription === scopes.basement) return change.operation === "DELETE" || basementIds.has(change.entityId) || basementIds.has(String(change.payload["assetId"]));
  return true;
}

test("each device gets its scope's data from range events, out-of-scope events move its token, and it holds what a pull-only twin holds", async () => {
  const writer = "scope-writer";
  await server.push("tech1", writer, [create(randomUUID(), { name: "Registers the writer" })]);
  const devices = {
    all: await follower("scope-all", scopes.all),
    basement: await follower("scope-basement", scopes.basement),
    tasks: await follower("scope-tasks", scopes.tasks),
  };

  const store = randomUUID();
  const shed = randomUUID();
  basementIds.add(store);
  const pushes: SyncChangeInput[][] = [
    [create(store, { name: "Store pump", location: "Basement, store" })],
    [create(shed, { name: "Roof fan", location: "Roof, north" })],
    [create(randomUUID(), { title: "Oil the store pump", assetId: store }, "task")],
    [create(randomUUID(), { title: "Check the chiller", assetId: roofAsset }, "task")],
    // The store pump moves to the roof: the basement device drops it.
    [update(store, 1, { location: "Roof, south" })],
    [update(shed, 1, { notes: "Out of the basement's scope" })],
  ];
  // More roof edits until the basement device has taken an event with nothing in its scope (a
  // range can lag behind the fence while other transactions of the cluster run: it then pulls).
  let version = 2;
  for (let i = 0; i < pushes.length || devices.basement.advancedEmpty === 0; i++) {
    if (i > 40) throw new Error("no out-of-scope event moved the basement device's token");
    if (i === 4) basementIds.delete(store);
    await server.push("tech1", writer, pushes[i] ?? [update(shed, version++, { notes: `Roof ${i}` })]);
    for (const [name, device] of Object.entries(devices)) {
      await take(device, (await device.events.next()).value as SyncEvent, scopes[name as keyof typeof scopes]);
      await catchUp(device.twin);
    }
  }

  for (const [name, device] of Object.entries(devices)) {
    // Whatever is left below the fence, for both.
    await catchUp(device);
    await catchUp(device.twin);
    expect(device.held, name).toEqual(device.twin.held);
    expect(device.advanced, `${name} advanced from events`).toBeGreaterThan(0);
    void device.events.return(undefined);
  }
  // An entity-type device never holds an asset; the basement device holds neither the roof fan nor the pump that left.
  expect([...devices.tasks.held.keys()].some((key) => key.startsWith("asset:"))).toBe(false);
  expect(devices.basement.held.has(`asset:${shed}`)).toBe(false);
  expect(devices.basement.held.has(`asset:${store}`)).toBe(false);
  expect(devices.all.held.has(`asset:${store}`)).toBe(true);
}, 240_000);
