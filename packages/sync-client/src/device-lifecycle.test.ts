import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ApiError } from "./api-client.ts";
import { StoreOwnedByAnotherUser } from "./session-state.ts";
import { SyncEngine } from "./sync-engine.ts";
import { loggedInDevice } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("a revoked device loses its session but keeps its outbox; its owner's password login brings it back", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  await device.engine.sync();
  const { deviceId } = await device.engine.store.device();
  const session = await device.engine.store.getSession();
  const revoke = await fetch(`${server.url}/api/sync/devices/${deviceId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${session!.token}` },
  });
  expect(revoke.status).toBe(200);

  await device.engine.store.create("asset", { name: "Made after revocation" });
  // The access token is refused and so is the refresh: the app shows the login screen.
  await expect(device.engine.sync()).rejects.toMatchObject({ status: 401 });
  expect(await device.engine.store.syncState()).toMatchObject({ phase: "unauthorized" });
  expect(await device.engine.store.getSession()).toBeUndefined();
  expect(await device.db.outbox.count()).toBe(1);

  await device.engine.login("tech1@northwind.test", "fieldsync-demo");
  expect((await device.engine.store.device()).deviceId).toBe(deviceId);
  expect(await device.engine.sync()).toMatchObject({ applied: 1 });
  device.close();
});

test("a store refuses another user's login and keeps the owner's data (Accounts picks the right store)", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  await device.engine.sync();
  const first = await device.engine.store.device();
  await device.engine.store.create("asset", { name: "Unsynced of tech1" });

  await expect(device.engine.login("tech@globex.test", "fieldsync-demo")).rejects.toBeInstanceOf(StoreOwnedByAnotherUser);
  expect(await device.db.outbox.count()).toBe(1);
  expect(await device.engine.store.device()).toEqual(first);
  expect((await device.engine.store.getSession())?.user.email).toBe("tech1@northwind.test");
  device.close();
});

test("a wrong password is an ApiError the login form can show", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  const error = await device.engine.login("tech1@northwind.test", "wrong").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 401 });
  device.close();
});

test("an expiring access token is renewed once, even when a tab and the service worker ask together", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  await device.engine.sync();
  const before = (await device.engine.store.getSession())!;
  await device.engine.store.setSession({ ...before, expiresAt: new Date(Date.now() - 1000).toISOString() });

  // A second engine on the same database, as the service worker would have.
  const worker = new SyncEngine({ db: device.db, baseUrl: server.url });
  await device.engine.store.create("asset", { name: "Made with a stale token" });
  const [tab, background] = await Promise.all([device.engine.sync(), worker.sync()]);
  expect(tab.applied + background.applied).toBe(1);

  const after = (await device.engine.store.getSession())!;
  // (The access token itself may be byte-identical when issued within the same second.)
  expect(after.refreshToken).not.toBe(before.refreshToken);
  expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.now());
  // Had both renewed with the same single-use token, the server would have revoked the session.
  expect(await device.engine.sync()).toMatchObject({ pushed: 0 });
  device.close();
});

test("a token the server no longer accepts is renewed and the request retried", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  const session = (await device.engine.store.getSession())!;
  await device.engine.store.setSession({ ...session, token: `${session.token}x` });
  await expect(device.engine.sync()).resolves.toMatchObject({ rejected: 0 });
  expect((await device.engine.store.getSession())?.token).not.toContain(`${session.token}x`);
  device.close();
});

test("without a usable refresh token the session ends and the phase says so", async () => {
  const device = await loggedInDevice(server.url, "tech1@northwind.test");
  const session = (await device.engine.store.getSession())!;
  await device.engine.store.setSession({ ...session, expiresAt: new Date(0).toISOString(), refreshToken: "not-a-real-token" });
  await expect(device.engine.sync()).rejects.toMatchObject({ status: 401 });
  expect(await device.engine.store.getSession()).toBeUndefined();
  expect(await device.engine.store.syncState()).toMatchObject({ phase: "unauthorized" });
  device.close();
});
