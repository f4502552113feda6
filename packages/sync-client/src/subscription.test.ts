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

const names = async (device: Awaited<ReturnType<typeof loggedInDevice>>) =>
  (await device.engine.store.list("asset")).map((asset) => asset.data?.name).sort();

test("narrowing the subscription drops what left scope, keeps what is pending, and widening brings it back", async () => {
  const tablet = await loggedInDevice(server.url, "tech2@northwind.test");
  await tablet.engine.sync();
  expect(await names(tablet)).toEqual(["Boiler B-1", "Chiller C-2", "Generator G-4", "Pump P-3"]);
  const chiller = (await tablet.engine.store.list("asset")).find((asset) => asset.data?.name === "Chiller C-2")!;
  // An offline edit of an asset that is about to leave the scope.
  await tablet.engine.store.update("asset", chiller.id, { notes: "edited offline" });

  await tablet.engine.setSubscription({ locations: ["Basement"] });
  expect(await names(tablet)).toEqual(["Boiler B-1", "Pump P-3"]);
  expect(await tablet.engine.subscription()).toEqual({ locations: ["Basement"] });
  const landed = await server.db.asset.findFirstOrThrow({ where: { id: chiller.id } });
  expect(landed.notes).toBe("edited offline");

  await tablet.engine.setSubscription({ locations: ["Basement", "Roof", "Yard"] });
  expect(await names(tablet)).toEqual(["Boiler B-1", "Chiller C-2", "Generator G-4", "Pump P-3"]);
  tablet.close();
});

test("live previews are shown on a device that keeps everything, and left to pulls on one with a subscription", async () => {
  const phone = await loggedInDevice(server.url, "tech2@northwind.test");
  const tablet = await loggedInDevice(server.url, "tech2@northwind.test");
  await phone.engine.sync();
  await tablet.engine.sync();
  await tablet.engine.setSubscription({ locations: ["Basement"] });
  const pump = (await phone.engine.store.list("asset")).find((asset) => asset.data?.name === "Pump P-3")!;
  const preview = {
    entityType: "asset" as const, entityId: pump.id, operation: "UPDATE" as const, payload: { ...pump.data, notes: "seen live" },
    clientVersion: pump.version + 1, timestamp: new Date().toISOString(), checksum: null,
  };
  expect(await phone.engine.applyLiveChanges([preview])).toBe(true);
  expect(await phone.engine.store.get("asset", pump.id)).toMatchObject({ version: pump.version + 1, data: { notes: "seen live" } });
  expect(await tablet.engine.applyLiveChanges([preview])).toBe(false);
  expect((await tablet.engine.store.get("asset", pump.id))?.version).toBe(pump.version);
  phone.close();
  tablet.close();
});
