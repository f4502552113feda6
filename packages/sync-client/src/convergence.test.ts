import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { LocalStore } from "./local-store.ts";
import { loggedInDevice, syncUntil } from "./test-support/device.ts";
import { converge, snapshot } from "./test-support/snapshot.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("initial sync loads the organization's data page by page, recording progress", async () => {
  // Before each further page of the initial sync, note what progress the store shows (what the
  // app's bar displays). Pulls after it (the sync may pull again when its push finds the device
  // behind) show none and are not noted.
  const shown: unknown[] = [];
  let store: LocalStore | undefined;
  const recordingFetch: typeof fetch = async (input, init) => {
    const state = String(input).endsWith("/api/sync/delta") && store ? await store.syncState() : null;
    if (state && !state.initialSyncDone) shown.push(state.progress);
    return fetch(input, init);
  };
  const device = await loggedInDevice(server.url, "tech1@northwind.test", { fetch: recordingFetch, pageSize: 2 });
  store = device.engine.store;
  const report = await device.engine.sync();

  const assets = await device.engine.store.list("asset");
  expect(assets.map((a) => a.data?.["name"]).sort()).toEqual(["Boiler B-1", "Chiller C-2", "Generator G-4", "Pump P-3"]);
  expect(report.received).toBe(9);
  // Before the first page nothing is known; then "x of 9" grows page by page.
  const [first, ...later] = shown as ({ sent: number; total: number } | null)[];
  expect(first).toBeNull();
  expect(later.length).toBeGreaterThanOrEqual(4);
  expect(later.every((progress) => progress?.total === 9)).toBe(true);
  const sent = later.map((progress) => progress!.sent);
  expect(sent).toEqual([...sent].sort((x, y) => x - y));
  expect(new Set(sent).size).toBe(sent.length);
  expect(await device.engine.store.syncState()).toMatchObject({ phase: "idle", initialSyncDone: true, progress: null });
  device.close();
});

test("two technicians' devices converge on each other's creates, updates and deletes", async () => {
  const a = await loggedInDevice(server.url, "tech1@northwind.test");
  const b = await loggedInDevice(server.url, "tech2@northwind.test");
  await a.engine.sync();
  await b.engine.sync();

  const pump = await a.engine.store.create("asset", { name: "Pump P-9", location: "Hall 3" });
  const task = await a.engine.store.create("task", { assetId: pump, title: "Bleed the pump", priority: "HIGH" });
  const fan = await b.engine.store.create("asset", { name: "Fan F-1" });
  const [chiller] = (await b.engine.store.list("asset")).filter((asset) => asset.data?.["name"] === "Chiller C-2");
  await b.engine.store.update("asset", chiller!.id, { status: "OPERATIONAL", notes: "filter replaced" });

  expect(await a.engine.sync()).toMatchObject({ applied: 2, conflicts: 0, rejected: 0 });
  expect(await b.engine.sync()).toMatchObject({ applied: 2, conflicts: 0, rejected: 0 });
  await a.engine.store.update("task", task, { status: "DONE" });
  await b.engine.store.remove("asset", fan);

  const viewA = await converge(a, b);
  expect(viewA).toEqual(await snapshot(b.engine.store));
  expect(viewA.find((row) => row.id === task)).toMatchObject({ version: 2, data: { status: "DONE", title: "Bleed the pump" } });
  expect(viewA.find((row) => row.id === chiller!.id)?.data).toMatchObject({ status: "OPERATIONAL", notes: "filter replaced" });
  expect(viewA.some((row) => row.id === fan)).toBe(false);
  expect(await a.db.outbox.count()).toBe(0);
  a.close();
  b.close();
});

test("another organization's device sees none of it", async () => {
  const globex = await loggedInDevice(server.url, "tech@globex.test");
  await globex.engine.sync();
  expect((await globex.engine.store.list("asset")).map((a) => a.data?.["name"])).toEqual(["Globex Compressor"]);
  globex.close();
});
