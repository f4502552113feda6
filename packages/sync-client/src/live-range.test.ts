// Live events carry the range of the log they cover. A device listening on the events stream
// whose token sits at a range's start stores the range's changes and moves its token without
// pulling; one that missed a range pulls, and nothing is skipped either way. Through a real
// server and its real SSE stream; delta requests are counted.
import type { SyncEvent } from "@fieldsync/schema";
import { rangeStep } from "@fieldsync/sync-core";
import { readEvents } from "@fieldsync/testing/sse-client";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestDevice, loggedInDevice } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** A transport counting delta requests (pulls). */
function countingPulls() {
  const state = { pulls: 0 };
  const fetchFn: typeof fetch = (input, init) => {
    if (String(input).endsWith("/api/sync/delta")) state.pulls++;
    return fetch(input, init);
  };
  return { fetch: fetchFn, state };
}

/** The device's events stream; yields `changes` events. */
async function listen(device: TestDevice, signal: AbortSignal) {
  const query = `?deviceId=${encodeURIComponent(await device.engine.deviceId())}`;
  const response = await fetch(`${server.url}/api/sync/events${query}`, { headers: { authorization: `Bearer ${await device.engine.accessToken()}` }, signal });
  const stream = readEvents(response);
  expect((await stream.next()).value?.event).toBe("ready");
  return (async function* () {
    for await (const { event, data } of stream) if (event === "changes") yield data as SyncEvent;
  })();
}

const names = async (device: TestDevice) => new Set((await device.engine.store.list("asset")).map((a) => String(a.data?.["name"])));

test("a live device advances its token from events without pulling; one that missed a range pulls and skips nothing", async () => {
  const counted = countingPulls();
  const writer = await loggedInDevice(server.url, "tech1@northwind.test", { name: "writer" });
  const reader = await loggedInDevice(server.url, "tech2@northwind.test", { name: "reader", fetch: counted.fetch });
  const late = await loggedInDevice(server.url, "tech2@northwind.test", { name: "late" });
  for (const device of [writer, reader, late]) await device.engine.sync();
  const abort = new AbortController();
  const events = await listen(reader, abort.signal);
  counted.state.pulls = 0;

  // Pushes one at a time; each event is handed to the reader as the app does. The late device
  // hears only the last one: it missed the ranges before it.
  let lastEvent: SyncEvent | undefined;
  let advanced = 0;
  const wanted = new Set<string>();
  for (let i = 0; i < 6 || advanced === 0; i++) {
    if (i > 40) throw new Error("no event carried its range's changes");
    const name = `Live ${i}`;
    wanted.add(name);
    await writer.engine.store.create("asset", { name });
    await writer.engine.sync();
    const event = (await events.next()).value as SyncEvent;
    expect(event.range).toBeDefined();
    const positionBefore = await reader.engine.store.getSyncPosition();
    const liveBefore = reader.engine.liveAt;
    if (await reader.engine.applyLiveEvent(event)) {
      if (event.range?.changes) {
        advanced++;
        expect(await reader.engine.store.getSyncPosition()).toBe(event.range.to);
        // Kept current by its events: the scheduler's interval leaves its sync out (intervalSyncDue).
        expect(reader.engine.liveAt).toBeGreaterThanOrEqual(liveBefore ?? 0);
        expect(reader.engine.liveAt).not.toBeNull();
      }
    } else expect(positionBefore).not.toBe(event.range?.from);
    lastEvent = event;
  }
  abort.abort();
  // The reader never pulled: its token moved with the events.
  expect(counted.state.pulls).toBe(0);
  expect(advanced).toBeGreaterThan(0);

  // Whatever it took from events, a pull from its token now brings the rest: nothing skipped.
  await reader.engine.sync();
  for (const name of wanted) expect(await names(reader)).toContain(name);

  // The late device's token lies before the last event's range: it is told to pull.
  expect(await late.engine.applyLiveEvent({ ...lastEvent!, changes: undefined })).toBe(false);
  expect(late.engine.liveAt).toBeNull();
  await late.engine.sync();
  for (const name of wanted) expect(await names(late)).toContain(name);
  for (const device of [writer, reader, late]) device.close();
}, 180_000);

test("a device with a subscription takes its scope's data from events, and an event outside its scope moves its token without a pull", async () => {
  const counted = countingPulls();
  const writer = await loggedInDevice(server.url, "tech1@northwind.test", { name: "scoped-writer" });
  const scoped = await loggedInDevice(server.url, "tech2@northwind.test", { name: "scoped-reader", fetch: counted.fetch });
  await writer.engine.sync();
  await scoped.engine.setSubscription({ locations: ["Basement"] });
  const abort = new AbortController();
  const events = await listen(scoped, abort.signal);
  counted.state.pulls = 0;

  // Until one event in scope and one outside it have each moved the token (a range can lag
  // behind the fence while other transactions run; the device then pulls, which is not counted).
  let inScope = 0;
  let outside = 0;
  for (let i = 0; inScope === 0 || outside === 0; i++) {
    if (i > 40) throw new Error("no event moved the scoped device's token");
    const basement = i % 2 === 0;
    await writer.engine.store.create("asset", { name: `Scoped ${i}`, location: basement ? "Basement, store" : "Roof" });
    await writer.engine.sync();
    const event = (await events.next()).value as SyncEvent;
    const pullsBefore = counted.state.pulls;
    const step = event.range ? rangeStep(await scoped.engine.store.getSyncPosition(), event.range) : "pull";
    const took = step === "advance" && event.range?.changes !== undefined;
    expect(await scoped.engine.applyLiveEvent(event)).toBe(took || step === "skip" || event.changes !== undefined);
    if (!took) continue;
    expect(await scoped.engine.store.getSyncPosition()).toBe(event.range!.to);
    expect(counted.state.pulls).toBe(pullsBefore);
    const shown = event.range!.changes!.map((c) => c.payload["name"]);
    // A range can reach back before this push (when the token sat inside it): only in-scope changes, though.
    if (basement) {
      expect(shown).toContain(`Scoped ${i}`);
      inScope++;
    } else {
      expect(shown).not.toContain(`Scoped ${i}`);
      if (shown.length === 0) outside++;
    }
  }
  abort.abort();
  // Only what is in its scope, and a pull from its token brings nothing it lacks.
  const held = await names(scoped);
  expect([...held].filter((name) => name.startsWith("Scoped")).every((name) => Number(name.split(" ")[1]) % 2 === 0)).toBe(true);
  await scoped.engine.sync();
  expect(await names(scoped)).toEqual(held);
  for (const device of [writer, scoped]) device.close();
}, 180_000);
