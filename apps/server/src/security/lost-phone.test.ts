// SECURITY.md's lost-phone story, step by step over HTTP against two real server processes that
// share PostgreSQL and Redis: revoking a device on one process ends its session everywhere,
// including an event stream open on the other process; only a password login brings it back.
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { seedDemoData } from "@fieldsync/api";
import { createTestDatabase, type TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RunningServer, startServerProcess } from "@fieldsync/testing/repo-copy";
import { repoRoot } from "@fieldsync/testing/workspace";
import { readEvents } from "@fieldsync/testing/sse-client";

let database: TestDatabase;
const servers: RunningServer[] = [];
const secrets = { JWT_SECRET: randomBytes(32).toString("hex"), CURSOR_SECRET: randomBytes(32).toString("hex") };

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoData(database.db);
  const env = { ...secrets, DATABASE_URL: database.url, REDIS_PREFIX: `test-${randomUUID()}`, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", WEB_DIST: "/nonexistent" };
  // One after the other: both run `prisma migrate deploy`, which takes an advisory lock.
  for (let i = 0; i < 2; i++) servers.push(await startServerProcess(join(repoRoot, "apps/server"), ["--import", "tsx", "src/main.ts"], env));
}, 200_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  await database.drop();
});

async function request(url: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // any: answers are checked field by field
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const login = (url: string, email: string, deviceId: string) =>
  request(url, "POST", "/api/auth/login", undefined, { email, password: "fieldsync-demo", deviceId });

test("a revoked phone loses its session, its refresh token and its event stream at once; its owner's password brings it back", { timeout: 120_000 }, async () => {
  const [a, b] = servers as [RunningServer, RunningServer];
  const owner = "tech1@northwind.test";
  const phone = `phone-${randomUUID()}`;

  // The owner's phone: logged in, syncing, listening for changes on the other process.
  const session = await login(a.url, owner, phone);
  expect(session.status).toBe(200);
  const { token, refreshToken } = session.body as { token: string; refreshToken: string };
  expect((await request(a.url, "POST", "/api/sync/delta", token, { deviceId: phone })).status).toBe(200);
  const ticket = await request(a.url, "POST", "/api/sync/events/ticket", token);
  expect(ticket.status).toBe(200);
  const stream = await fetch(`${b.url}/api/sync/events?ticket=${encodeURIComponent(ticket.body.ticket)}`);
  expect(stream.status).toBe(200);
  const events = readEvents(stream);
  expect((await events.next()).value?.event).toBe("ready");

  // The phone is lost: the admin revokes it on the first process.
  const admin = await login(a.url, "admin@northwind.test", `admin-desk-${randomUUID()}`);
  const revoked = await request(a.url, "DELETE", `/api/sync/devices/${phone}`, admin.body.token);
  expect(revoked).toMatchObject({ status: 200, body: { device: { deviceId: phone, isActive: false } } });

  // The stream on the other process ends (read to its end: no event but the close is awaited).
  const after: string[] = [];
  for await (const event of events) after.push(event.event);
  expect(after.filter((event) => event !== "ready")).toEqual([]);

  // Whoever holds the phone: the access token pulls neither as the phone nor as another device.
  const unauthorized = { status: 401, body: { code: "UNAUTHORIZED" } };
  expect(await request(a.url, "POST", "/api/sync/delta", token, { deviceId: phone })).toMatchObject(unauthorized);
  expect(await request(b.url, "POST", "/api/sync/delta", token, { deviceId: `other-${randomUUID()}` })).toMatchObject(unauthorized);
  expect(await request(b.url, "POST", "/api/sync", token, { deviceId: phone, changes: [] })).toMatchObject(unauthorized);
  // It cannot register the phone again, get a stream ticket, or refresh the session.
  expect(await request(a.url, "POST", "/api/sync/devices", token, { deviceId: phone })).toMatchObject(unauthorized);
  expect(await request(b.url, "POST", "/api/sync/events/ticket", token)).toMatchObject(unauthorized);
  expect(await request(a.url, "POST", "/api/auth/refresh", undefined, { refreshToken, deviceId: phone })).toMatchObject(unauthorized);
  expect(await database.db.syncClient.findFirst({ where: { deviceId: phone }, select: { isActive: true } })).toEqual({ isActive: false });

  // Found again: the owner's password login on the phone reactivates it, audited.
  const back = await login(b.url, owner, phone);
  expect(back.status).toBe(200);
  expect((await request(b.url, "POST", "/api/sync/delta", back.body.token, { deviceId: phone })).status).toBe(200);
  const devices = await request(a.url, "GET", "/api/sync/devices", back.body.token);
  expect(devices.body.devices).toContainEqual(expect.objectContaining({ deviceId: phone, isActive: true, revokedAt: null }));
  const audit = await request(a.url, "GET", "/api/audit", admin.body.token);
  expect(audit.body.entries.map((e: { action: string; targetId: string }) => `${e.action} ${e.targetId}`)).toEqual(
    expect.arrayContaining([`device.revoked ${phone}`, `device.registered ${phone}`]),
  );
  // The old session stays dead.
  expect(await request(a.url, "POST", "/api/sync/delta", token, { deviceId: phone })).toMatchObject(unauthorized);
});
