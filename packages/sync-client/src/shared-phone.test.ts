// One phone, two technicians: each user has a store of their own, so signing in as someone else
// never shows or erases the previous user's unsynced work, and that work syncs, once, when they
// sign in again.
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Accounts, legacyStoreName } from "./accounts.ts";
import { demoPassword, openDevice } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const phone = (factory: IDBFactory) => new Accounts({ baseUrl: server.url, deviceName: "shared phone", dexie: { indexedDB: factory, IDBKeyRange } });
const storedNamed = (name: string) => server.db.asset.count({ where: { name } });

test("B signing in after A's offline edit sees none of A's data; A's edit syncs exactly once when A signs in again", async () => {
  const accounts = phone(new IDBFactory());
  const a = await accounts.signIn("tech1@northwind.test", demoPassword);
  await a.engine.sync();
  const mine = await a.engine.store.create("asset", { name: "Pump of tech1, offline" });
  const { deviceId } = await a.engine.store.device();
  a.engine.store.db.close();
  expect(await accounts.unsynced()).toEqual([{ account: expect.objectContaining({ userId: a.account.userId, email: "tech1@northwind.test" }), changes: 1 }]);

  const b = await accounts.signIn("tech2@northwind.test", demoPassword);
  expect(b.account.dbName).not.toBe(a.account.dbName);
  expect(await accounts.active()).toEqual(b.account);
  await b.engine.sync();
  expect(await b.engine.store.get("asset", mine)).toBeUndefined();
  expect(await b.engine.store.outbox()).toEqual([]);
  expect(await storedNamed("Pump of tech1, offline")).toBe(0);
  b.engine.store.db.close();

  // A's session ended when B signed in (B must not sync as A); A's store kept everything.
  const aside = accounts.open(a.account);
  expect(await aside.store.getSession()).toBeUndefined();
  expect(await aside.store.outbox()).toEqual([expect.objectContaining({ entityId: mine, status: "pending" })]);
  aside.store.db.close();

  const back = await accounts.signIn("tech1@northwind.test", demoPassword);
  expect(back.account.dbName).toBe(a.account.dbName);
  expect((await back.engine.store.device()).deviceId).toBe(deviceId);
  expect(await back.engine.sync()).toMatchObject({ applied: 1 });
  expect(await back.engine.sync()).toMatchObject({ pushed: 0 });
  expect(await storedNamed("Pump of tech1, offline")).toBe(1);
  expect(await back.engine.store.get("asset", mine)).toMatchObject({ version: 1, pending: 0 });
  back.engine.store.db.close();
});

test("the single store of earlier releases stays its user's: their unsynced change survives another user's sign-in", async () => {
  const factory = new IDBFactory();
  const legacy = openDevice(server.url, { factory, name: legacyStoreName });
  await legacy.engine.login("tech1@northwind.test", demoPassword);
  await legacy.engine.sync();
  const mine = await legacy.engine.store.create("asset", { name: "Legacy valve of tech1" });
  legacy.close();

  const accounts = phone(factory);
  expect(await accounts.active()).toMatchObject({ email: "tech1@northwind.test", dbName: legacyStoreName });
  const b = await accounts.signIn("tech2@northwind.test", demoPassword);
  expect(b.account.dbName).not.toBe(legacyStoreName);
  b.engine.store.db.close();

  const back = await accounts.signIn("tech1@northwind.test", demoPassword);
  expect(back.account.dbName).toBe(legacyStoreName);
  expect(await back.engine.sync()).toMatchObject({ applied: 1 });
  expect(await back.engine.store.get("asset", mine)).toMatchObject({ version: 1, pending: 0 });
  back.engine.store.db.close();
});
