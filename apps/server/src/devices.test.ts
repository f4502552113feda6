import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create } from "@fieldsync/testing/changes";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

const sync = (user: "tech1" | "tech2" | "admin" | "globex", deviceId: string) =>
  api.call(user, "POST", "/api/sync", { deviceId, deviceName: "Phone", changes: [] });

describe("devices", () => {
  test("a device is registered on its first sync and listed for its owner", async () => {
    expect((await sync("tech1", "dev-first")).status).toBe(200);
    const list = await api.call("tech1", "GET", "/api/sync/devices");
    expect(list.body.devices).toContainEqual(expect.objectContaining({ deviceId: "dev-first", deviceName: "Phone", isActive: true }));
  });

  test("a device is called by its owner and model until someone names it; a later sync keeps the name", async () => {
    await sync("tech2", "dev-named");
    const named = async (user: "tech2" | "admin") =>
      (await api.call(user, "GET", "/api/sync/devices")).body.devices.find((d: { deviceId: string }) => d.deviceId === "dev-named");
    expect(await named("tech2")).toMatchObject({ name: "Theo's Phone", label: null });
    const rename = await api.call("tech2", "PUT", "/api/sync/devices/label", { deviceId: "dev-named", label: "  Van tablet " });
    expect(rename.body.device).toMatchObject({ name: "Van tablet", label: "Van tablet", deviceName: "Phone" });
    await sync("tech2", "dev-named");
    expect(await named("admin")).toMatchObject({ name: "Van tablet" });
    // From their own devices: an admin may name any device of the organization (null goes back to
    // the derived name); someone else's device, for a technician, is as missing as an unknown one.
    const renameFromOwnDevice = async (user: "tech1" | "admin", label: string | null) => {
      const headers = { authorization: `Bearer ${await api.token(user)}` };
      const response = await api.app.inject({ method: "PUT", url: "/api/sync/devices/label", headers, payload: { deviceId: "dev-named", label } });
      return { status: response.statusCode, body: response.json() };
    };
    expect((await renameFromOwnDevice("admin", null)).body.device.name).toBe("Theo's Phone");
    expect((await renameFromOwnDevice("tech1", "Mine")).status).toBe(404);
    expect((await api.call("tech2", "PUT", "/api/sync/devices/label", { deviceId: "dev-named", label: "x".repeat(61) })).status).toBe(400);
  });

  test("after DELETE the device's session is over; only a password login on it brings it back", async () => {
    const lost = await api.login("tech1", "dev-lost");
    const bearer = { authorization: `Bearer ${lost.token}` };
    expect((await api.app.inject({ method: "POST", url: "/api/sync/delta", headers: bearer, payload: { deviceId: "dev-lost" } })).statusCode).toBe(200);
    expect((await api.call("tech1", "DELETE", "/api/sync/devices/dev-lost")).body.device).toMatchObject({ isActive: false });
    const entityId = randomUUID();
    const push = await api.app.inject({ method: "POST", url: "/api/sync", headers: bearer, payload: { deviceId: "dev-lost", changes: [create(entityId, { name: "x" })] } });
    expect(push.statusCode).toBe(401);
    const register = await api.app.inject({ method: "POST", url: "/api/sync/devices", headers: bearer, payload: { deviceId: "dev-lost" } });
    expect(register.statusCode).toBe(401);
    expect(await api.db.asset.count({ where: { id: entityId } })).toBe(0);
    const back = await api.login("tech1", "dev-lost");
    const pushed = await api.app.inject({ method: "POST", url: "/api/sync", headers: { authorization: `Bearer ${back.token}` }, payload: { deviceId: "dev-lost", changes: [] } });
    expect(pushed.statusCode).toBe(200);
    expect(await api.db.syncClient.findFirst({ where: { deviceId: "dev-lost" }, select: { isActive: true, revokedAt: true } })).toEqual({ isActive: true, revokedAt: null });
  });

  test("a token is valid for its own device only: naming another is 403 DEVICE_MISMATCH and writes nothing", async () => {
    const bearer = { authorization: `Bearer ${await api.token("tech1", "dev-own")}` };
    const other = "dev-someone-else";
    const requests = [
      ["POST", "/api/sync", { deviceId: other, changes: [create(randomUUID(), { name: "x" })] }],
      ["POST", "/api/sync/delta", { deviceId: other }],
      ["POST", "/api/sync/devices", { deviceId: other }],
      ["PUT", "/api/sync/subscription", { deviceId: other, subscription: { locations: ["Roof"] } }],
      ["POST", "/trpc/sync.push", { deviceId: other, changes: [] }],
    ] as const;
    for (const [method, url, payload] of requests) {
      const response = await api.app.inject({ method, url, headers: bearer, payload });
      const body = url.startsWith("/trpc") ? response.json().error.data : response.json();
      expect(body, `${method} ${url}`).toMatchObject({ statusCode: 403, code: "DEVICE_MISMATCH" });
    }
    const stream = await api.app.inject({ method: "GET", url: `/api/sync/events?deviceId=${other}`, headers: bearer });
    expect(stream.json()).toMatchObject({ statusCode: 403, code: "DEVICE_MISMATCH" });
    expect(await api.db.syncClient.count({ where: { deviceId: other } })).toBe(0);
    // A refresh token presented for another device is refused like any bad refresh token.
    const session = await api.login("tech1", "dev-own");
    expect(await api.call(null, "POST", "/api/auth/refresh", { refreshToken: session.refreshToken, deviceId: other })).toMatchObject({ status: 401 });
  });

  test("a device id held by another user cannot be logged in on, used or taken over", async () => {
    await sync("tech1", "dev-mine");
    const login = await api.call(null, "POST", "/api/auth/login", { email: "tech2@northwind.test", password: "fieldsync-demo", deviceId: "dev-mine" });
    expect(login).toMatchObject({ status: 403, body: { code: "DEVICE_OWNED_BY_ANOTHER_USER" } });
    // A session opened before the other user registered the id is stopped at the device.
    const early = await api.login("tech2", "dev-raced");
    await sync("tech1", "dev-raced");
    const takeover = await api.app.inject({ method: "POST", url: "/api/sync/devices", headers: { authorization: `Bearer ${early.token}` }, payload: { deviceId: "dev-raced" } });
    expect(takeover.statusCode).toBe(401);
  });

  test("technicians revoke only their own devices (others are 404); admins any device of the org", async () => {
    await sync("tech1", "dev-t1");
    expect((await api.call("tech2", "DELETE", "/api/sync/devices/dev-t1")).status).toBe(404);
    expect((await api.call("globex", "DELETE", "/api/sync/devices/dev-t1")).status).toBe(404);
    const adminList = await api.call("admin", "GET", "/api/sync/devices");
    expect(adminList.body.devices.map((d: { deviceId: string }) => d.deviceId)).toContain("dev-t1");
    expect((await api.call("admin", "DELETE", "/api/sync/devices/dev-t1")).status).toBe(200);
    expect((await api.call("globex", "GET", "/api/sync/devices")).body.devices).toEqual([]);
  });

  test("the same device id in two organizations are two devices", async () => {
    await sync("tech1", "shared-id");
    expect((await sync("globex", "shared-id")).status).toBe(200);
  });
});

describe("devices per user are capped", () => {
  test("one device beyond the limit is 403 DEVICE_LIMIT_REACHED, registered explicitly or on a first sync; revoking one frees a place", async () => {
    const capped = await setupApi({ maxDevicesPerUser: 2 });
    try {
      const as = async (deviceId: string, method: "POST", url: string, payload: object) =>
        capped.app.inject({ method, url, headers: { authorization: `Bearer ${await capped.token("tech1", deviceId)}` }, payload });
      expect((await as("cap-1", "POST", "/api/sync/devices", { deviceId: "cap-1" })).statusCode).toBe(201);
      expect((await as("cap-2", "POST", "/api/sync/delta", { deviceId: "cap-2" })).statusCode).toBe(200);
      const entityId = randomUUID();
      const refusals = [
        await as("cap-3", "POST", "/api/sync/devices", { deviceId: "cap-3" }),
        await as("cap-3", "POST", "/api/sync", { deviceId: "cap-3", changes: [create(entityId, { name: "Over the limit" })] }),
        await as("cap-3", "POST", "/api/sync/delta", { deviceId: "cap-3" }),
      ];
      for (const refusal of refusals) expect(refusal.json()).toMatchObject({ statusCode: 403, code: "DEVICE_LIMIT_REACHED" });
      expect(await capped.db.syncClient.count({ where: { deviceId: "cap-3" } })).toBe(0);
      expect(await capped.db.asset.count({ where: { id: entityId } })).toBe(0);
      // Another user is not affected; a revoked device does not count.
      expect((await capped.call("tech2", "POST", "/api/sync/delta", { deviceId: "cap-other-user" })).status).toBe(200);
      expect((await capped.call("tech1", "DELETE", "/api/sync/devices/cap-1")).status).toBe(200);
      expect((await as("cap-3", "POST", "/api/sync/delta", { deviceId: "cap-3" })).statusCode).toBe(200);
      // Bringing the revoked one back by login would be a third active device.
      const back = await capped.call(null, "POST", "/api/auth/login", { email: "tech1@northwind.test", password: "fieldsync-demo", deviceId: "cap-1" });
      expect(back).toMatchObject({ status: 403, body: { code: "DEVICE_LIMIT_REACHED" } });
    } finally {
      await capped.close();
    }
  });
});

describe("authentication", () => {
  test("login returns a bearer token; a wrong password or unknown email is 401 with one message", async () => {
    const ok = await api.call(null, "POST", "/api/auth/login", { email: "tech1@northwind.test", password: "fieldsync-demo", deviceId: "dev-login" });
    expect(ok.body).toMatchObject({ token: expect.any(String), user: { role: "TECHNICIAN" } });
    const wrong = await api.call(null, "POST", "/api/auth/login", { email: "tech1@northwind.test", password: "nope", deviceId: "dev-login" });
    const unknown = await api.call(null, "POST", "/api/auth/login", { email: "nobody@northwind.test", password: "nope", deviceId: "dev-login" });
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
  });

  test("every sync endpoint requires a token", async () => {
    const calls = [
      ["POST", "/api/sync", { deviceId: "d", changes: [] }],
      ["POST", "/api/sync/delta", { deviceId: "d" }],
      ["GET", "/api/sync/status"],
      ["GET", "/api/sync/devices"],
      ["POST", "/api/sync/devices", { deviceId: "d" }],
      ["DELETE", "/api/sync/devices/d"],
      ["GET", "/api/sync/conflicts"],
      ["POST", "/api/sync/conflicts/resolve", { conflictId: randomUUID(), resolution: "MANUAL" }],
    ] as const;
    for (const [method, url, body] of calls) {
      const response = await api.app.inject({ method, url, ...(body && { payload: body }), headers: { authorization: "Bearer not-a-jwt" } });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
    }
  });

  test("a deactivated user loses access on the next request", async () => {
    const token = await api.token("tech2");
    await api.db.user.update({ where: { email: "tech2@northwind.test" }, data: { isActive: false } });
    const response = await api.app.inject({ method: "GET", url: "/api/sync/status", headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(401);
    await api.db.user.update({ where: { email: "tech2@northwind.test" }, data: { isActive: true } });
  });
});

describe("status and health", () => {
  test("status reports the caller's devices, queue and open conflicts", async () => {
    await sync("tech1", "dev-status");
    const status = await api.call("tech1", "GET", "/api/sync/status");
    expect(status.body).toMatchObject({ user: { email: "tech1@northwind.test" }, devices: { active: expect.any(Number) }, lastSyncAt: expect.any(String) });
  });

  test("/healthz is 200 while PostgreSQL answers", async () => {
    const response = await api.app.inject({ method: "GET", url: "/healthz" });
    expect(response.json()).toEqual({ status: "ok" });
  });

  test("the same procedures answer over tRPC", async () => {
    const token = await api.token("tech1", "trpc-device");
    const response = await api.app.inject({
      method: "POST",
      url: "/trpc/sync.push",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: { deviceId: "trpc-device", changes: [create(randomUUID(), { name: "Via tRPC" })] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().result.data.results[0]).toMatchObject({ status: "applied", version: 1 });
    const invalid = await api.app.inject({
      method: "POST",
      url: "/trpc/sync.push",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: { deviceId: "trpc-device", changes: [create(randomUUID(), { name: "" })] },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.data).toMatchObject({ code: "VALIDATION_FAILED", issues: [{ path: "changes.0.payload.name" }] });
  });
});
