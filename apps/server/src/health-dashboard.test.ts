// GET /api/sync/health/dashboard computed from real pushes, pulls, conflicts and failures. Tests
// run in order on one database: totals first, then alerts, then history moved to known instants.
import { randomUUID } from "node:crypto";
import { hashPassword } from "@fieldsync/api";
import { type HealthBucket, type HealthDashboardResponse, healthDashboardResponseSchema } from "@fieldsync/schema";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import { type UserName, globexAsset, users } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
let northwind: string;
let globexAdminToken: string;

const get = async (authorization: string, query = "") => {
  const response = await api.app.inject({ method: "GET", url: `/api/sync/health/dashboard${query}`, headers: { authorization } });
  return { status: response.statusCode, body: response.json() };
};

async function dashboard(user: UserName | "globexAdmin" = "admin", query = ""): Promise<HealthDashboardResponse> {
  const token = user === "globexAdmin" ? globexAdminToken : await api.token(user);
  const response = await get(`Bearer ${token}`, query);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return healthDashboardResponseSchema.parse(response.body);
}

const total = (buckets: HealthBucket[], key: "processed" | "conflicts" | "failed" | "syncs") => buckets.reduce((sum, b) => sum + b[key], 0);

beforeAll(async () => {
  api = await setupApi();
  northwind = (await api.db.user.findUniqueOrThrow({ where: { email: users.admin } })).orgId;
  const globex = await api.db.user.findUniqueOrThrow({ where: { email: users.globex } });
  await api.db.user.create({ data: { orgId: globex.orgId, email: "admin@globex.test", name: "Globex Admin", role: "ADMIN", passwordHash: await hashPassword("globex-admin-pw") } });
  globexAdminToken = (await api.app.inject({ method: "POST", url: "/api/auth/login", payload: { email: "admin@globex.test", password: "globex-admin-pw", deviceId: "globex-admin-desk" } })).json().token;

  // Northwind, two devices: 4 changes processed (2 applied, 1 conflict, 1 rejected), 2 waiting.
  const assetId = randomUUID();
  await api.push("tech1", "nw-phone", [create(assetId, { name: "Dashboard boiler" })]);
  await api.push("tech2", "nw-tablet", [update(assetId, 1, { name: "Tablet's name" })]);
  const conflicted = await api.push("tech1", "nw-phone", [update(assetId, 1, { name: "Phone's name" })]);
  expect(conflicted.results[0]).toMatchObject({ status: "conflict" });
  const rejected = await api.push("tech2", "nw-tablet", [create(randomUUID(), { assetId: randomUUID(), title: "Orphan" }, "task")]);
  expect(rejected.results[0]).toMatchObject({ status: "rejected", code: "REFERENCE_NOT_FOUND" });
  // No worker in this test: queued changes stay PENDING, the backlog.
  const queued = await api.call("tech2", "POST", "/api/sync", { deviceId: "nw-tablet", async: true, changes: [create(randomUUID(), { name: "Q1" }), create(randomUUID(), { name: "Q2" })] });
  expect(queued.body.results.map((r: { status: string }) => r.status)).toEqual(["queued", "queued"]);
  expect((await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "nw-phone" })).status).toBe(200);
  expect((await api.call("tech2", "POST", "/api/sync/delta", { deviceId: "nw-tablet" })).status).toBe(200);
  // A failed pull is no sync run.
  expect((await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "nw-phone", pageToken: "forged" })).status).toBe(400);

  // Globex: one applied change and one waiting; none of it may show in Northwind's dashboard.
  await api.push("globex", "gx-phone", [update(globexAsset, 1, { notes: "globex" })]);
  await api.call("globex", "POST", "/api/sync", { deviceId: "gx-phone", async: true, changes: [create(randomUUID(), { name: "Globex queued" })] });
});
afterAll(() => api.close());

describe("health dashboard", () => {
  test("counts the organization's processed changes, conflicts, failures, backlog and sync runs; per-device state", async () => {
    const d = await dashboard();
    expect(d).toMatchObject({ hours: 6, bucketSeconds: 600 });
    expect(d.buckets).toHaveLength(36);
    expect(Date.parse(d.buckets[1]!.start) - Date.parse(d.buckets[0]!.start)).toBe(600_000);
    expect(Date.parse(d.buckets[0]!.start) % 600_000).toBe(0);
    expect(Date.parse(d.buckets.at(-1)!.start)).toBeLessThanOrEqual(Date.parse(d.serverTime));
    expect({ processed: total(d.buckets, "processed"), conflicts: total(d.buckets, "conflicts"), failed: total(d.buckets, "failed"), syncs: total(d.buckets, "syncs") }).toEqual({
      processed: 4,
      conflicts: 1,
      failed: 1,
      // 5 pushes and 2 pulls; the forged pull failed.
      syncs: 7,
    });
    expect(d.buckets.at(-1)!.backlog).toBe(2);
    for (const bucket of d.buckets.filter((b) => b.processed === 0)) expect([bucket.conflictRate, bucket.failureRate]).toEqual([null, null]);
    for (const bucket of d.buckets.filter((b) => b.syncs === 0)) expect(bucket.durationMs).toBeNull();
    for (const { durationMs } of d.buckets.filter((b) => b.syncs > 0)) {
      expect(durationMs!.p50).toBeGreaterThan(0);
      expect(durationMs!.p50).toBeLessThanOrEqual(durationMs!.p95);
      expect(durationMs!.p95).toBeLessThanOrEqual(durationMs!.p99);
    }

    expect(d.devices.map((device) => device.deviceId).sort()).toEqual(["nw-phone", "nw-tablet"]);
    const phone = d.devices.find((device) => device.deviceId === "nw-phone")!;
    const tablet = d.devices.find((device) => device.deviceId === "nw-tablet")!;
    expect(phone).toMatchObject({ userName: "Tara Technician", pending: 0, failed: 0, oldestPendingSeconds: null, offline: "ok" });
    expect(tablet).toMatchObject({ userName: "Theo Technician", pending: 2, failed: 1, offline: "ok" });
    expect(tablet.oldestPendingSeconds).toBeGreaterThanOrEqual(0);
    const lastPulls = await api.db.syncRun.groupBy({ by: ["clientId"], where: { kind: "PULL", orgId: northwind }, _max: { startedAt: true } });
    const clients = await api.db.syncClient.findMany({ where: { orgId: northwind } });
    for (const device of [phone, tablet]) {
      const client = clients.find((c) => c.deviceId === device.deviceId)!;
      expect(device.lastSyncAt).toBe(client.lastSyncAt!.toISOString());
      expect(device.lastPullAt).toBe(lastPulls.find((p) => p.clientId === client.id)!._max.startedAt!.toISOString());
      expect(device.offlineSeconds).toBeLessThan(600);
    }
  });

  test("another organization's admin sees only that organization", async () => {
    const d = await dashboard("globexAdmin");
    expect(d.devices.map((device) => device.deviceId)).toEqual(["gx-phone"]);
    expect({ processed: total(d.buckets, "processed"), syncs: total(d.buckets, "syncs"), backlog: d.buckets.at(-1)!.backlog }).toEqual({ processed: 1, syncs: 2, backlog: 1 });
  });

  test("alert states agree with GET /api/sync/status: firing with value and thresholds, or ok", async () => {
    // 16 more applied changes: 20 processed in the last hour, enough to judge rates (1 conflict, 1 failure).
    await api.push("tech1", "nw-phone", Array.from({ length: 16 }, (_, i) => create(randomUUID(), { name: `Bulk ${i}` })));
    await api.db.syncClient.updateMany({ where: { orgId: northwind, deviceId: "nw-tablet" }, data: { lastSyncAt: new Date(Date.now() - 30 * 3_600_000) } });
    const d = await dashboard();
    expect(d.alerts.map(({ value: _value, ...state }) => state)).toEqual([
      { alert: "HighConflictRate", level: "ok", warn: 0.1, critical: 0.25, message: "5.0 % of 20 changes conflicted in the last 60 min" },
      { alert: "SyncFailures", level: "warn", warn: 0.05, critical: 0.2, message: "5.0 % of 20 changes failed in the last 60 min" },
      { alert: "LargeSyncBacklog", level: "ok", warn: 1000, critical: 10000, message: "2 changes wait for the worker" },
      { alert: "DeviceOffline", level: "warn", warn: 24, critical: 72, message: "device Theo's nw-tablet has not synced for 30 h" },
    ]);
    expect(d.alerts.map((a) => a.value)).toEqual([0.05, 0.05, 2, expect.closeTo(30, 2)]);
    expect(d.devices.find((device) => device.deviceId === "nw-tablet")).toMatchObject({ offline: "warn", offlineSeconds: expect.closeTo(30 * 3600, -2) });

    const status = await api.call("admin", "GET", "/api/sync/status");
    expect(status.body.health.status).toBe("warn");
    expect(status.body.health.reasons).toEqual(d.alerts.filter((a) => a.level !== "ok").map(({ alert, level, message }) => ({ alert, severity: level, message })));
  });

  test("history at known instants: half-open buckets, backlog at each bucket's end, rates and duration percentiles", async () => {
    const grid = (await dashboard()).buckets.map((b) => Date.parse(b.start));
    const at = (ms: number) => new Date(ms);
    const B = (i: number) => grid[i]!;
    // Applied changes in bucket 10; the conflict created in bucket 11 and processed exactly at
    // bucket 12's start (so it waits at bucket 11's end); the failure 1 ms before that boundary.
    await api.db.syncQueue.updateMany({ where: { orgId: northwind, status: "COMPLETED" }, data: { createdAt: at(B(10) + 1000), processedAt: at(B(10) + 1000) } });
    await api.db.syncQueue.updateMany({ where: { orgId: northwind, status: "CONFLICT" }, data: { createdAt: at(B(12) - 60_000), processedAt: at(B(12)) } });
    await api.db.syncQueue.updateMany({ where: { orgId: northwind, status: "FAILED" }, data: { createdAt: at(B(12) - 1), processedAt: at(B(12) - 1) } });
    await api.db.syncQueue.updateMany({ where: { orgId: northwind, status: "PENDING" }, data: { createdAt: at(B(20)) } });
    const runs = await api.db.syncRun.findMany({ where: { orgId: northwind }, orderBy: { id: "asc" } });
    expect(runs).toHaveLength(8);
    const place = (i: number, startedAt: number, durationMs: number) => api.db.syncRun.update({ where: { id: runs[i]!.id }, data: { startedAt: at(startedAt), durationMs } });
    for (const [i, ms] of [10, 20, 30, 40, 50].entries()) await place(i, B(25) + i * 1000, ms);
    await place(5, B(27), 7);
    await place(6, B(27) - 1, 99);
    await place(7, B(5), 5);

    const d = await dashboard();
    const expected = (start: number): Omit<HealthBucket, "start"> => {
      const processed = start === B(10) ? 18 : start === B(11) || start === B(12) ? 1 : 0;
      const conflicts = start === B(12) ? 1 : 0;
      const failed = start === B(11) ? 1 : 0;
      const durations: Record<number, number[]> = { [B(5)]: [5, 5, 5], [B(25)]: [30, 48, 49.6], [B(26)]: [99, 99, 99], [B(27)]: [7, 7, 7] };
      const p = durations[start];
      return {
        backlog: (start >= B(20) ? 2 : 0) + (start === B(11) ? 1 : 0),
        processed,
        conflicts,
        failed,
        conflictRate: processed ? conflicts / processed : null,
        failureRate: processed ? failed / processed : null,
        syncs: start === B(25) ? 5 : p ? 1 : 0,
        durationMs: p ? { p50: p[0]!, p95: p[1]!, p99: p[2]! } : null,
      };
    };
    const rounded = (b: HealthBucket) => ({ ...b, durationMs: b.durationMs && { p50: +b.durationMs.p50.toFixed(6), p95: +b.durationMs.p95.toFixed(6), p99: +b.durationMs.p99.toFixed(6) } });
    // Looked up by start, not position: the window may have moved on by a bucket meanwhile.
    expect(d.buckets.map(rounded)).toEqual(d.buckets.map((b) => ({ start: b.start, ...expected(Date.parse(b.start)) })));
    expect(d.buckets.find((b) => b.start === new Date(B(11)).toISOString())).toMatchObject({ failureRate: 1, conflictRate: 0, backlog: 1 });

    const lastHour = await dashboard("admin", "?hours=1");
    expect(lastHour).toMatchObject({ hours: 1, bucketSeconds: 100 });
    expect(lastHour.buckets).toHaveLength(36);
    expect(total(lastHour.buckets, "processed") + total(lastHour.buckets, "syncs")).toBe(0);
    expect(lastHour.buckets.every((b) => b.backlog === 2)).toBe(true);
  });
});

describe("access and input", () => {
  test("admins only: a technician gets 403, no token 401", async () => {
    expect(await api.call("tech1", "GET", "/api/sync/health/dashboard")).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect((await get("")).status).toBe(401);
  });

  test.each([
    ["?hours=0", "hours"],
    ["?hours=169", "hours"],
    ["?hours=2.5", "hours"],
    ["?hours=many", "hours"],
    ["?orgId=x", "orgId"],
  ])("%s is a 400 naming the field", async (query, path) => {
    const response = await api.call("admin", "GET", `/api/sync/health/dashboard${query}`);
    expect(response).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED" } });
    expect(response.body.issues.map((issue: { path: string }) => issue.path)).toEqual([path]);
  });
});
