import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loggedInDevice } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("a server-requested resync rebuilds local data from a snapshot and keeps unsynced work", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  await device.engine.sync();
  // Local state the server no longer vouches for (as after a restore of the server's database).
  const ghost = crypto.randomUUID();
  const ghostData = { name: "Ghost", serialNumber: null, location: null, notes: null, status: "OPERATIONAL" };
  await device.engine.store.applyServerChanges([
    { entityType: "asset", entityId: ghost, operation: "CREATE", payload: ghostData, clientVersion: 3, timestamp: new Date().toISOString(), checksum: null },
  ]);
  const unsynced = await device.engine.store.create("asset", { name: "Unsynced pump" });

  const { deviceId } = await device.engine.store.device();
  const token = await device.engine.accessToken();
  const invalidate = await fetch(`${server.url}/api/sync/cache/invalidate`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ deviceId }),
  });
  expect(invalidate.status).toBe(200);

  expect(await device.engine.sync()).toMatchObject({ applied: 1 });
  expect(await device.engine.store.get("asset", ghost)).toBeUndefined();
  expect(await device.engine.store.get("asset", unsynced)).toMatchObject({ version: 1, pending: 0 });
  const names = (await device.engine.store.list("asset")).map((asset) => asset.data?.["name"]).sort();
  expect(names).toEqual(["Boiler B-1", "Chiller C-2", "Generator G-4", "Pump P-3", "Unsynced pump"]);
  expect(await device.engine.store.list("task")).toHaveLength(3);

  // The flag is spent: the next sync is an ordinary one.
  expect(await device.engine.sync()).toMatchObject({ pushed: 0, received: 0 });
  device.close();
});
