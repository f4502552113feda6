// Hostile input: mass assignment of server-owned fields on every entity type and envelope,
// prototype-pollution keys, deep and oversized bodies, huge batches and page sizes. Each is a
// 400/413 with a stable code, over REST and tRPC, and writes nothing.
import { randomUUID } from "node:crypto";
import { entityTypes, limits, serverOwnedFields } from "@fieldsync/schema";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import { kitDevice, seededAsset } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "../test-kit.ts";
import { tableCounts } from "@fieldsync/testing/attack-kit";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
  await api.token("tech1");
  await api.token("admin");
});
afterAll(() => api.close());

/** Every body names tech1's kit device, the one its token was issued for (logged in above). */
const device = kitDevice("tech1");

let before: Awaited<ReturnType<typeof tableCounts>>;
beforeEach(async () => {
  before = await tableCounts(api.db);
});
const nothingWritten = async () => expect(await tableCounts(api.db)).toEqual(before);

/** Raw request over either transport; `body` is sent verbatim when it is a string. */
async function send(transport: "rest" | "trpc", restUrl: string, procedure: string, body: unknown, user: "tech1" | "admin" = "tech1") {
  const response = await api.app.inject({
    method: "POST",
    url: transport === "rest" ? restUrl : `/trpc/${procedure}`,
    headers: { authorization: `Bearer ${await api.token(user)}`, "content-type": "application/json" },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });
  const json = response.json();
  return { status: response.statusCode, body: transport === "rest" ? json : json.error?.data ?? json.result?.data };
}

const validCreate: Record<string, Record<string, unknown>> = {
  asset: { name: "Mass" },
  task: { assetId: seededAsset, title: "Mass" },
  schedule: { assetId: seededAsset, title: "Mass", intervalDays: 7, nextDueAt: "2027-01-01T00:00:00.000Z" },
};
const values: Record<string, unknown> = { id: randomUUID(), orgId: "00000000-0000-4000-8000-000000000002", version: 999, checksum: "0".repeat(64), deletedAt: null };

describe.each(["rest", "trpc"] as const)("over %s", (transport) => {
  test.each(entityTypes)("mass assignment: no server-owned field can be set on a %s, by CREATE or UPDATE", async (type) => {
    expect(entityTypes).toEqual(Object.keys(validCreate));
    for (const field of serverOwnedFields) {
      const value = field in values ? values[field] : "attacker";
      const changes = [
        create(randomUUID(), { ...validCreate[type], [field]: value }, type),
        update(type === "asset" ? seededAsset : randomUUID(), 1, { ...(type === "asset" ? { name: "x" } : { title: "x" }), [field]: value }, type),
      ];
      const response = await send(transport, "/api/sync", "sync.push", { deviceId: device, changes });
      expect(response.status, `${type}.${field}`).toBe(400);
      expect(response.body.code).toBe("VALIDATION_FAILED");
      expect(response.body.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining([`changes.0.payload.${field}`, `changes.1.payload.${field}`]));
    }
    await nothingWritten();
  });

  test("mass assignment in envelopes: device owner, conflict resolver, merged server fields, login role", async () => {
    const attempts = [
      await send(transport, "/api/sync/devices", "devices.register", { deviceId: device, userId: randomUUID(), isActive: true }),
      await send(transport, "/api/sync/conflicts/resolve", "conflicts.resolve", { conflictId: randomUUID(), resolution: "CLIENT_WINS", resolvedBy: "admin" }),
      await send(transport, "/api/sync", "sync.push", { deviceId: device, changes: [], orgId: values.orgId }),
      await send(transport, "/api/auth/login", "auth.login", { email: "tech1@northwind.test", password: "fieldsync-demo", role: "ADMIN" }),
    ];
    for (const response of attempts) expect(response).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED" } });
    await nothingWritten();
  });

  test("prototype keys are refused at any depth with FORBIDDEN_KEY and their path", async () => {
    const bodies = [
      `{"deviceId":"${device}","changes":[],"__proto__":{"role":"ADMIN"}}`,
      `{"deviceId":"${device}","changes":[{"changeId":"${randomUUID()}","entityType":"asset","entityId":"${randomUUID()}","operation":"CREATE","payload":{"name":"x","constructor":{"prototype":{"isAdmin":true}}},"clientVersion":0,"timestamp":"2026-01-01T00:00:00.000Z"}]}`,
      `{"deviceId":"${device}","changes":[{"payload":{"prototype":{"x":1}}}]}`,
    ];
    const deep = `{"deviceId":"${device}","changes":[{"payload":{"notes":{"a":{"__proto__":{"x":1}}}}}]}`;
    const paths = ["__proto__", "changes.0.payload.constructor", "changes.0.payload.prototype", "changes.0.payload.notes.a.__proto__"];
    for (const [i, body] of [...bodies, deep].entries()) {
      const response = await send(transport, "/api/sync", "sync.push", body);
      // Both transports name the key and where it is (REST used to answer "not valid JSON").
      expect(response, body).toMatchObject({ status: 400, body: { code: "FORBIDDEN_KEY", issues: [{ code: "forbidden_key", path: paths[i] }] } });
    }
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    await nothingWritten();
  });

  test("deep JSON is refused before any schema runs", async () => {
    const depth = 100_000;
    const response = await send(transport, "/api/sync", "sync.push", `{"deviceId":"${device}","changes":${"[".repeat(depth)}${"]".repeat(depth)}}`);
    expect(response.status).toBe(400);
    expect(response.body.issues[0]).toMatchObject({ code: "too_deep" });
    await nothingWritten();
  });

  test("overlong strings and keys are refused", async () => {
    const long = await send(transport, "/api/sync/delta", "sync.delta", { deviceId: device, pageToken: "x".repeat(limits.maxStringLength + 1) });
    expect(long).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", issues: [{ path: "pageToken", code: "too_long" }] } });
    const notes = await send(transport, "/api/sync", "sync.push", { deviceId: device, changes: [create(randomUUID(), { name: "x", notes: "n".repeat(5001) })] });
    expect(notes).toMatchObject({ status: 400, body: { issues: [{ path: "changes.0.payload.notes" }] } });
    const key = await send(transport, "/api/sync", "sync.push", { deviceId: device, ["k".repeat(limits.maxKeyLength + 1)]: 1 });
    expect(key).toMatchObject({ status: 400, body: { issues: [{ code: "too_long" }] } });
    await nothingWritten();
  });

  test("a body over the limit is 413 PAYLOAD_TOO_LARGE", async () => {
    const body = JSON.stringify({ deviceId: device, changes: [create(randomUUID(), { name: "x", notes: "n".repeat(6 * 1024 * 1024) })] });
    const response = await api.app.inject({
      method: "POST",
      url: transport === "rest" ? "/api/sync" : "/trpc/sync.push",
      headers: { authorization: `Bearer ${await api.token("tech1")}`, "content-type": "application/json" },
      payload: body,
    });
    expect(response.statusCode).toBe(413);
    expect(transport === "rest" ? response.json() : response.json().error?.data ?? response.json()).toMatchObject({ statusCode: 413, code: "PAYLOAD_TOO_LARGE" });
    await nothingWritten();
  });

  test("a 10k-change batch is refused whole", async () => {
    const changes = Array.from({ length: 10_000 }, () => create(randomUUID(), { name: "flood" }));
    const response = await send(transport, "/api/sync", "sync.push", { deviceId: device, changes });
    expect(response.status).toBe(400);
    expect(response.body.issues.map((i: { path: string }) => i.path)).toContain("changes");
    await nothingWritten();
  });

  test("pageSize=1e9 and other oversized limits are 400", async () => {
    const page = await send(transport, "/api/sync/delta", "sync.delta", { deviceId: device, pageSize: 1e9 });
    expect(page).toMatchObject({ status: 400, body: { issues: [{ path: "pageSize" }] } });
    await nothingWritten();
  });
});

test("query limits over REST: conflicts and audit pages are bounded", async () => {
  const headers = { authorization: `Bearer ${await api.token("admin")}` };
  for (const url of ["/api/sync/conflicts?limit=1000000000", "/api/audit?limit=1000000000", "/api/audit?limit=-1", "/api/audit?cursor=" + "x".repeat(5000)]) {
    const response = await api.app.inject({ method: "GET", url, headers });
    expect(response.statusCode, url).toBe(400);
    expect(response.json().code).toBe("VALIDATION_FAILED");
  }
  const forged = await api.app.inject({ method: "GET", url: "/api/audit?cursor=eyJ4IjoxfQ.AAAA", headers });
  expect(forged.json()).toMatchObject({ statusCode: 400, code: "INVALID_TOKEN" });
  await nothingWritten();
});
