import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Api, create, setupApi } from "./test-kit.ts";

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

  test("after DELETE the device gets 403 DEVICE_REVOKED until it registers again explicitly", async () => {
    await sync("tech1", "dev-lost");
    expect((await api.call("tech1", "DELETE", "/api/sync/devices/dev-lost")).body.device).toMatchObject({ isActive: false });
    const entityId = randomUUID();
    const push = await api.call("tech1", "POST", "/api/sync", { deviceId: "dev-lost", changes: [create(entityId, { name: "x" })] });
    expect(push).toMatchObject({ status: 403, body: { code: "DEVICE_REVOKED" } });
    const pull = await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "dev-lost" });
    expect(pull).toMatchObject({ status: 403, body: { code: "DEVICE_REVOKED" } });
    expect(await api.db.asset.count({ where: { id: entityId } })).toBe(0);
    const registered = await api.call("tech1", "POST", "/api/sync/devices", { deviceId: "dev-lost", deviceName: "Found it" });
    expect(registered).toMatchObject({ status: 201, body: { device: { isActive: true, deviceName: "Found it" } } });
    expect((await sync("tech1", "dev-lost")).status).toBe(200);
  });

  test("a device id held by another user cannot be used or taken over", async () => {
    await sync("tech1", "dev-mine");
    expect(await sync("tech2", "dev-mine")).toMatchObject({ status: 403, body: { code: "DEVICE_OWNED_BY_ANOTHER_USER" } });
    const takeover = await api.call("tech2", "POST", "/api/sync/devices", { deviceId: "dev-mine" });
    expect(takeover).toMatchObject({ status: 403, body: { code: "DEVICE_OWNED_BY_ANOTHER_USER" } });
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

describe("authentication", () => {
  test("login returns a bearer token; a wrong password or unknown email is 401 with one message", async () => {
    const ok = await api.call(null, "POST", "/api/auth/login", { email: "tech1@northwind.test", password: "fieldsync-demo" });
    expect(ok.body).toMatchObject({ token: expect.any(String), user: { role: "TECHNICIAN" } });
    const wrong = await api.call(null, "POST", "/api/auth/login", { email: "tech1@northwind.test", password: "nope" });
    const unknown = await api.call(null, "POST", "/api/auth/login", { email: "nobody@northwind.test", password: "nope" });
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
    const token = await api.token("tech1");
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
