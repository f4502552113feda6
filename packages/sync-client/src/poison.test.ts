// A change that can never be accepted is marked failed on the device, on its own; every other
// queued change of the device still lands. The server here refuses bodies over 4 KiB (a limit the
// client does not know), so one large but schema-valid change is refused as a whole batch (413).
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loggedInDevice } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ bodyLimit: 4096 });
});
afterAll(async () => {
  await server?.stop();
});

test("poison changes between valid ones are marked failed with their reason; the valid ones land, and nothing is re-sent", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  await device.engine.sync();
  const first = await device.engine.store.create("asset", { name: "Valid 1" });
  // Left by an older app version that did not validate: a name over the schema's 200 characters.
  const invalid = crypto.randomUUID();
  await device.db.outbox.add({
    changeId: crypto.randomUUID(),
    entityType: "asset",
    entityId: invalid,
    operation: "CREATE",
    payload: { name: "N".repeat(300) },
    baseVersion: 0,
    timestamp: new Date().toISOString(),
    status: "pending",
    attempts: 0,
    conflictId: null,
    error: null,
  });
  const second = await device.engine.store.create("asset", { name: "Valid 2" });
  const large = await device.engine.store.create("asset", { name: "Large", notes: "n".repeat(5000) });
  const third = await device.engine.store.create("asset", { name: "Valid 3" });

  expect(await device.engine.sync()).toMatchObject({ applied: 3, failed: 2 });
  const stored = await server.db.asset.findMany({ where: { id: { in: [first, second, third, invalid, large] } }, select: { name: true } });
  expect(stored.map((asset) => asset.name).sort()).toEqual(["Valid 1", "Valid 2", "Valid 3"]);

  const outbox = await device.db.outbox.toArray();
  expect(outbox).toEqual([
    expect.objectContaining({ entityId: invalid, status: "failed", error: { code: "VALIDATION_FAILED", message: expect.stringContaining("payload.name") } }),
    expect.objectContaining({ entityId: large, status: "failed", error: expect.objectContaining({ code: "PAYLOAD_TOO_LARGE" }) }),
  ]);
  expect(await device.engine.store.syncState()).toMatchObject({ phase: "idle", lastError: null });
  expect(await device.engine.sync()).toMatchObject({ pushed: 0, failed: 0 });

  // Discarding a failed change shows the server's state again: the never-synced entity is gone.
  await device.engine.store.discard(outbox[1]!.seq!);
  expect(await device.engine.store.get("asset", large)).toBeUndefined();
  device.close();
});
