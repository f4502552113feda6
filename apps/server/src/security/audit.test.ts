// The audit trail: what is recorded (in the same transaction as the action), who may read it,
// pagination, and that it cannot be rewritten.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import { users } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "../test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

interface Entry {
  id: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  createdAt: string;
}
const entries = async (query = "") => (await api.call("admin", "GET", `/api/audit${query}`)).body.entries as Entry[];
const userId = async (email: string) => (await api.db.user.findUniqueOrThrow({ where: { email } })).id;

describe("recorded actions", () => {
  test("implicit registration on a first sync, explicit registration, revocation and reactivation by login", async () => {
    await api.push("tech1", "audit-phone", []);
    await api.push("tech1", "audit-phone", []);
    await api.call("tech1", "DELETE", "/api/sync/devices/audit-phone");
    await api.call("tech1", "DELETE", "/api/sync/devices/audit-phone");
    await api.login("tech1", "audit-phone");
    await api.call("tech1", "POST", "/api/sync/devices", { deviceId: "audit-phone", deviceName: "Back" });
    await api.call("tech1", "POST", "/api/sync/devices", { deviceId: "audit-tablet" });
    const mine = (await entries("?targetType=device")).filter((e) => e.targetId.startsWith("audit-")).reverse();
    const tech1 = await userId(users.tech1);
    expect(mine.map((e) => [e.action, e.targetId])).toEqual([
      ["device.registered", "audit-phone"],
      ["device.revoked", "audit-phone"],
      ["device.registered", "audit-phone"],
      ["device.registered", "audit-tablet"],
    ]);
    expect(mine.every((e) => e.actorId === tech1)).toBe(true);
    expect(mine[0]).toMatchObject({ before: null, after: { isActive: true, implicit: true } });
    expect(mine[1]).toMatchObject({ before: { isActive: true }, after: { isActive: false, revokedAt: expect.any(String) } });
    expect(mine[2]).toMatchObject({ before: { isActive: false }, after: { isActive: true, revokedAt: null, via: "login" } });
  });

  test("an admin revoking a technician's device is recorded with the admin as actor", async () => {
    await api.push("tech2", "audit-lost", []);
    await api.call("admin", "DELETE", "/api/sync/devices/audit-lost");
    const [entry] = await entries("?targetId=audit-lost&action=device.revoked");
    expect(entry).toMatchObject({ actorId: await userId(users.admin), targetType: "device" });
  });

  test("a conflict resolution records who, when, and the entity before and after", async () => {
    const id = randomUUID();
    await api.push("tech1", "audit-a", [create(id, { name: "Original" })]);
    await api.push("tech2", "audit-b", [update(id, 1, { name: "Server" })]);
    const conflict = (await api.push("tech1", "audit-a", [update(id, 1, { name: "Client" })])).conflicts[0]!;
    expect((await api.call("tech2", "POST", "/api/sync/conflicts/resolve", { conflictId: conflict.id, resolution: "CLIENT_WINS" })).status).toBe(200);
    const [entry] = await entries(`?targetId=${conflict.id}`);
    expect(entry).toMatchObject({
      action: "conflict.resolved",
      actorId: await userId(users.tech2),
      targetType: "conflict",
      before: { entityId: id, resolution: "MANUAL", version: 2, data: { name: "Server" } },
      after: { entityId: id, resolution: "CLIENT_WINS", version: 3, data: { name: "Client" } },
    });
    expect(Date.now() - new Date(entry!.createdAt).getTime()).toBeLessThan(60_000);
  });

  test("a refused action records nothing (the entry shares the action's transaction)", async () => {
    await api.push("tech1", "audit-owned", []);
    const before = await api.db.auditLog.count();
    const takeover = { email: users.tech2, password: "fieldsync-demo", deviceId: "audit-owned" };
    expect((await api.call(null, "POST", "/api/auth/login", takeover)).status).toBe(403);
    expect((await api.call("tech2", "DELETE", "/api/sync/devices/audit-owned")).status).toBe(404);
    expect((await api.call("tech1", "POST", "/api/sync/conflicts/resolve", { conflictId: randomUUID(), resolution: "SERVER_WINS" })).status).toBe(404);
    expect(await api.db.auditLog.count()).toBe(before);
  });
});

describe("reading the trail", () => {
  test("admins only: technicians get 403 over REST and tRPC", async () => {
    expect(await api.call("tech1", "GET", "/api/audit")).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    const trpc = await api.app.inject({ method: "GET", url: "/trpc/audit.list", headers: { authorization: `Bearer ${await api.token("tech1")}` } });
    expect(trpc.statusCode).toBe(403);
    expect((await api.call(null, "GET", "/api/audit")).status).toBe(401);
  });

  test("pages are newest first, disjoint, and complete", async () => {
    const all = await entries("?limit=200");
    expect(all.length).toBeGreaterThanOrEqual(8);
    const seen: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: { entries: Entry[]; nextCursor: string | null } = (await api.call("admin", "GET", `/api/audit?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)).body;
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
    const times = seen.map((e) => e.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  test("a tampered cursor is 400 INVALID_TOKEN", async () => {
    const { nextCursor } = (await api.call("admin", "GET", "/api/audit?limit=1")).body;
    const [body, mac] = (nextCursor as string).split(".");
    const forged = `${Buffer.from(JSON.stringify({ kind: "audit", org: "00000000-0000-4000-8000-000000000002", createdAt: new Date().toISOString(), id: "z" })).toString("base64url")}.${mac}`;
    for (const cursor of [forged, `${body}.AAAA`, "garbage"]) {
      expect(await api.call("admin", "GET", `/api/audit?cursor=${encodeURIComponent(cursor)}`)).toMatchObject({ status: 400, body: { code: "INVALID_TOKEN" } });
    }
  });
});

test("the table is append-only: UPDATE, DELETE and TRUNCATE fail even for the application", async () => {
  const count = await api.db.auditLog.count();
  await expect(api.db.$executeRaw`UPDATE "AuditLog" SET "actorId" = 'nobody'`).rejects.toThrow(/append-only/);
  await expect(api.db.$executeRaw`DELETE FROM "AuditLog"`).rejects.toThrow(/append-only/);
  await expect(api.db.$executeRaw`TRUNCATE "AuditLog"`).rejects.toThrow(/append-only/);
  await expect(api.db.auditLog.deleteMany({})).rejects.toThrow();
  expect(await api.db.auditLog.count()).toBe(count);
  expect(await api.db.auditLog.count({ where: { actorId: "nobody" } })).toBe(0);
});
