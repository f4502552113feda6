// A device's own writes never wait behind other devices' data: with a backlog of others' changes
// larger than a pull page waiting, every queued batch is pushed and acknowledged before the device
// downloads any of that backlog; the pull then catches up, and it does not roll back what the
// device wrote (read-your-writes). Through a real server; requests are counted, not timed.
import { limits } from "@fieldsync/schema";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loggedInDevice, syncUntil } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

type Call = { kind: "push"; sent: number; received: number; acknowledged: number } | { kind: "delta"; received: number };

/** A transport that notes, in order, each push (changes sent, others' changes received, results) and each delta page. */
function callLog() {
  const calls: Call[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const path = new URL(String(input)).pathname;
    if (path !== "/api/sync" && path !== "/api/sync/delta") return response;
    const body = (await response.clone().json()) as { changes: unknown[]; results?: unknown[] };
    if (path === "/api/sync/delta") calls.push({ kind: "delta", received: body.changes.length });
    else {
      const sent = (JSON.parse(String(init?.body)) as { changes: unknown[] }).changes.length;
      calls.push({ kind: "push", sent, received: body.changes.length, acknowledged: body.results?.length ?? 0 });
    }
    return response;
  };
  return { fetch: fetchFn, calls };
}

test("queued batches are all pushed and acknowledged before a backlog of other devices' changes is downloaded", async () => {
  const transport = callLog();
  const pageSize = 200;
  const device = await loggedInDevice(server.url, "tech1@northwind.test", { name: "pusher", fetch: transport.fetch, pushBatchSize: 10, pageSize });
  const other = await loggedInDevice(server.url, "tech2@northwind.test", { name: "storm", pushBatchSize: limits.maxChangesPerPush });
  await device.engine.sync();
  await other.engine.sync();

  // A backlog of others' changes bigger than a push answer's page and a delta page.
  const backlog = limits.pushResponsePageSize + 2 * pageSize + 1;
  for (let i = 0; i < backlog; i++) await other.engine.store.create("asset", { name: `Storm ${i}` });
  await other.engine.sync();
  expect(await other.db.outbox.count()).toBe(0);

  const batches = 3;
  const mine: string[] = [];
  for (let i = 0; i < batches * 10; i++) mine.push(await device.engine.store.create("asset", { name: `Mine ${i}` }));
  transport.calls.length = 0;
  // Others' changes become pullable once older transactions end (see syncUntil): until the device holds all of them.
  await syncUntil([device], async () => (await device.engine.store.list("asset")).length >= backlog + mine.length);

  const firstDelta = transport.calls.findIndex((call) => call.kind === "delta");
  const pushes = transport.calls.slice(0, firstDelta === -1 ? undefined : firstDelta);
  // Every batch went out, and was answered with its own results, before any of the backlog came down.
  expect(pushes).toEqual(Array.from({ length: batches }, () => ({ kind: "push", sent: 10, received: 0, acknowledged: 10 })));
  expect(transport.calls.slice(batches).every((call) => call.kind === "delta")).toBe(true);
  expect(transport.calls.filter((call) => call.kind === "delta").length).toBeGreaterThan(1);

  // Read-your-writes: the device's own changes stand, at the server's versions, after the catch-up.
  expect(await device.db.outbox.count()).toBe(0);
  for (const id of mine) {
    const local = await device.engine.store.get("asset", id);
    const stored = await server.db.syncMetadata.findFirst({ where: { entityType: "asset", entityId: id } });
    expect(local?.version).toBe(stored?.version);
  }
  device.close();
  other.close();
}, 240_000);
