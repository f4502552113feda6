// Cross-organization enumeration: a Globex technician and a Globex admin aim every procedure,
// over REST and over tRPC, at Northwind's ids. Each attempt must answer exactly as for an id
// that does not exist (404, empty list, rejected change), return none of Northwind's data, and
// leave Northwind's rows untouched. The suite fails when a procedure has no attack below, so a
// new endpoint cannot ship without one.
import { createHash, randomUUID } from "node:crypto";
import { appRouter, hashPassword, restRoutes } from "@fieldsync/api";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, remove, update } from "@fieldsync/testing/changes";
import { globexAsset, seededAsset, users } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "../test-kit.ts";
import { orgFingerprint } from "@fieldsync/testing/attack-kit";

let api: Api;
let northwind: { orgId: string; userId: string; conflictId: string; syncToken: string; auditCursor: string; secrets: string[] };
/** Globex's live entities (what a Globex device's bucket digests must count, and no more). */
let globexLive: number;

const northwindTask = "20000000-0000-4000-8000-000000000001";
const northwindSchedule = "30000000-0000-4000-8000-000000000001";

beforeAll(async () => {
  api = await setupApi();
  // Northwind state worth stealing: an open conflict, a device, audit entries.
  const id = randomUUID();
  await api.push("tech1", "nw-phone", [create(id, { name: "Secret boiler" })]);
  await api.push("tech2", "nw-tablet", [update(id, 1, { name: "Secret A" })]);
  const conflicted = await api.push("tech1", "nw-phone", [update(id, 1, { name: "Secret B" })]);
  await api.call("admin", "DELETE", "/api/sync/devices/nw-tablet");
  const auditPage = await api.call("admin", "GET", "/api/audit?limit=1");
  const nwUsers = await api.db.user.findMany({ where: { email: { in: [users.tech1, users.tech2, users.admin] } } });
  northwind = {
    orgId: nwUsers[0]!.orgId,
    userId: nwUsers[0]!.id,
    conflictId: conflicted.conflicts[0]!.id,
    syncToken: conflicted.syncToken,
    auditCursor: auditPage.body.nextCursor,
    secrets: [id, seededAsset, northwindTask, northwindSchedule, "Secret", "Boiler B-1", nwUsers[0]!.orgId, ...nwUsers.flatMap((u) => [u.id, u.email])],
  };
  expect(northwind.auditCursor).toEqual(expect.any(String));

  const globex = await api.db.user.findUniqueOrThrow({ where: { email: users.globex } });
  await api.db.user.create({ data: { orgId: globex.orgId, email: "admin@globex.test", name: "Globex Admin", role: "ADMIN", passwordHash: await hashPassword("globex-admin-pw") } });
  // Globex has devices and data of its own, so empty answers are not just an empty org.
  await api.push("globex", "globexTech-phone", [update(globexAsset, 1, { notes: "globex" })]);
  const adminPush = { deviceId: "globexAdmin-phone", changes: [] };
  await invoke("rest", await tokenFor("globexAdmin", adminPush), "sync.push", adminPush);
  globexLive = await api.db.syncMetadata.count({ where: { orgId: globex.orgId, deletedAt: null } });
});
afterAll(() => api.close());

type Transport = "rest" | "trpc";
interface Answer {
  status: number;
  /** Data on success; {statusCode, code, message} on failure, for both transports. */
  body: Record<string, unknown>;
}

const procedureType = (path: string) => (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[path]!._def.type;

/** Calls a procedure the way a client would, over REST (its restRoutes row) or /trpc. */
async function invoke(transport: Transport, token: string, procedure: string, input: Record<string, unknown> | undefined): Promise<Answer> {
  const headers = { authorization: `Bearer ${token}` };
  if (transport === "trpc") {
    const query = procedureType(procedure) === "query";
    const response = await api.app.inject({
      method: query ? "GET" : "POST",
      url: `/trpc/${procedure}${query && input ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ""}`,
      headers,
      ...(!query && { payload: input ?? {} }),
    });
    const json = response.json();
    if (json.error) {
      const { statusCode, code, message } = json.error.data;
      return { status: response.statusCode, body: { statusCode, code, message } };
    }
    return { status: response.statusCode, body: json.result.data };
  }
  const route = restRoutes.find((r) => r.procedure === procedure)!;
  let url = route.url.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(input?.[name])));
  if (route.method === "GET" && input) url += `?${new URLSearchParams(input as Record<string, string>)}`;
  const response = await api.app.inject({ method: route.method, url, headers, ...((route.method === "POST" || route.method === "PUT") && { payload: input ?? {} }) });
  return { status: response.statusCode, body: response.json() };
}

const uuids = (value: unknown) => JSON.stringify(value ?? null).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];

/** Masks ids and per-call values, so a foreign-id answer can be compared with a missing-id one. */
const normalize = (answer: Answer, inputs: unknown[], names: string[]) => {
  let text = JSON.stringify(answer);
  for (const id of [...inputs.flatMap(uuids), ...names]) text = text.replaceAll(id, "<id>");
  return JSON.parse(text.replace(/"(serverTime|timestamp|syncToken|position|nextPageToken|changeId)":"[^"]*"/g, '"$1":"<x>"'));
};

type Who = "globexTech" | "globexAdmin";
type Input = Record<string, unknown> | undefined;

const credentials: Record<Who, { email: string; password: string }> = {
  globexTech: { email: users.globex, password: "fieldsync-demo" },
  globexAdmin: { email: "admin@globex.test", password: "globex-admin-pw" },
};
const sessions = new Map<string, string>();

/** `who`'s token for the device an input names (tokens are bound to one device), else their phone's. */
async function tokenFor(who: Who, input: Input): Promise<string> {
  const deviceId = typeof input?.deviceId === "string" ? input.deviceId : `${who}-phone`;
  const key = `${who}|${deviceId}`;
  if (!sessions.has(key)) {
    const response = await api.app.inject({ method: "POST", url: "/api/auth/login", payload: { ...credentials[who], deviceId } });
    sessions.set(key, response.json().token);
  }
  return sessions.get(key)!;
}

interface Attack {
  name: string;
  /** Input aimed at Northwind. */
  foreign: (who: Who) => Input;
  /** The same request with an id that exists nowhere; the answers must be indistinguishable. */
  missing?: (who: Who) => Input;
  /** Extra expectation on the foreign answer. */
  check?: (answer: Answer, who: Who) => void;
}

const missingUuid = randomUUID();
const expectStatus = (status: number) => (answer: Answer) => expect(answer.status).toBe(status);
const expectEmpty = (key: string) => (answer: Answer) => {
  expect(answer.status).toBe(200);
  expect(answer.body[key]).toEqual([]);
};
/** Each attacker syncs from a device of their own (device ids are per user). */
const change = (make: () => Record<string, unknown>) => (who: Who) => ({ deviceId: `${who}-phone`, changes: [make()] });

/** The deepest verification bucket (8 hex digits of the id's SHA-256) holding a Northwind entity. */
const bucketOf = (id: string) => createHash("sha256").update(id).digest("hex").slice(0, 8);
const countsOf = (answer: Answer) => (answer.body.buckets as { count: number }[]).reduce((n, b) => n + b.count, 0);

/** Every procedure of the router, with the attacks aimed at Northwind through it. */
const attacks: Record<string, Attack[]> = {
  "auth.login": [{ name: "log in as a Northwind user without the password", foreign: () => ({ email: users.admin, password: "guess", deviceId: "nw-phone" }), missing: () => ({ email: "nobody@northwind.test", password: "guess", deviceId: "nw-phone" }), check: expectStatus(401) }],
  "auth.refresh": [{ name: "refresh with a made-up token", foreign: () => ({ refreshToken: "A".repeat(43), deviceId: "nw-phone" }), check: expectStatus(401) }],
  "sync.push": [
    { name: "update a Northwind asset", foreign: change(() => update(seededAsset, 1, { name: "pwned" })), missing: change(() => update(missingUuid, 1, { name: "pwned" })) },
    { name: "delete a Northwind asset", foreign: change(() => remove(seededAsset, 1)), missing: change(() => remove(missingUuid, 1)) },
    { name: "update a Northwind task", foreign: change(() => update(northwindTask, 1, { title: "pwned" }, "task")), missing: change(() => update(missingUuid, 1, { title: "pwned" }, "task")) },
    { name: "delete a Northwind schedule", foreign: change(() => remove(northwindSchedule, 1, "schedule")), missing: change(() => remove(missingUuid, 1, "schedule")) },
    { name: "create a task under a Northwind asset", foreign: change(() => create(randomUUID(), { assetId: seededAsset, title: "x" }, "task")), missing: change(() => create(randomUUID(), { assetId: missingUuid, title: "x" }, "task")) },
    { name: "create a schedule under a Northwind asset", foreign: change(() => create(randomUUID(), { assetId: seededAsset, title: "x", intervalDays: 1, nextDueAt: new Date().toISOString() }, "schedule")), missing: change(() => create(randomUUID(), { assetId: missingUuid, title: "x", intervalDays: 1, nextDueAt: new Date().toISOString() }, "schedule")) },
    {
      name: "assign a task to a Northwind user",
      foreign: change(() => create(randomUUID(), { assetId: globexAsset, title: "x", assigneeId: northwind.userId }, "task")),
      missing: change(() => create(randomUUID(), { assetId: globexAsset, title: "x", assigneeId: missingUuid }, "task")),
      check: (a) => expect(a.body.results).toEqual([expect.objectContaining({ status: "rejected", code: "USER_NOT_FOUND" })]),
    },
    { name: "resume with a Northwind sync token", foreign: (who) => ({ deviceId: `${who}-phone`, syncToken: northwind.syncToken, changes: [] }), missing: (who) => ({ deviceId: `${who}-phone`, syncToken: `${northwind.syncToken.split(".")[0]}.forged`, changes: [] }), check: expectStatus(400) },
  ],
  "sync.delta": [
    { name: "initial pull sees only Globex", foreign: (who) => ({ deviceId: `${who}-phone`, pageSize: 1000 }), check: (a) => expect((a.body.changes as unknown[]).length).toBeGreaterThan(0) },
    { name: "resume with a Northwind cursor", foreign: (who) => ({ deviceId: `${who}-phone`, pageToken: northwind.syncToken }), missing: (who) => ({ deviceId: `${who}-phone`, pageToken: `${northwind.syncToken.split(".")[0]}.forged` }), check: (a) => expect(a.body.code).toBe("INVALID_TOKEN") },
  ],
  "verify.digests": [
    { name: "bucket digests count Globex's entities only", foreign: (who) => ({ deviceId: `${who}-phone` }), check: (a) => expect(countsOf(a)).toBe(globexLive) },
    {
      name: "sub-bucket digests around a Northwind asset",
      foreign: (who) => ({ deviceId: `${who}-phone`, within: [{ entityType: "asset", bucket: bucketOf(seededAsset).slice(0, 7) }] }),
      check: (a) => expect(a.body.buckets).toEqual([]),
    },
  ],
  "verify.buckets": [
    {
      name: "list the bucket of a Northwind asset and task",
      foreign: (who) => ({ deviceId: `${who}-phone`, buckets: [{ entityType: "asset", bucket: bucketOf(seededAsset) }, { entityType: "task", bucket: bucketOf(northwindTask) }] }),
      check: (a) => expect((a.body.buckets as { entities: unknown[] }[]).flatMap((b) => b.entities)).toEqual([]),
    },
  ],
  "verify.entities": [
    {
      name: "fetch Northwind entities by id",
      foreign: (who) => ({ deviceId: `${who}-phone`, refs: [{ entityType: "asset", entityId: seededAsset }, { entityType: "task", entityId: northwindTask }, { entityType: "schedule", entityId: northwindSchedule }] }),
      missing: (who) => ({ deviceId: `${who}-phone`, refs: [{ entityType: "asset", entityId: missingUuid }] }),
      check: expectEmpty("changes"),
    },
  ],
  "sync.streamTicket": [{ name: "a stream ticket (for the caller's own device only)", foreign: () => undefined, check: expectStatus(200) }],
  "sync.status": [{ name: "status counts", foreign: () => undefined, check: (a) => expect(a.body.openConflicts).toBe(0) }],
  "users.list": [
    {
      name: "list the organization's users",
      foreign: () => undefined,
      check: (a) => expect((a.body.users as { name: string }[]).map((u) => u.name)).toEqual(["Gil Globex", "Globex Admin"]),
    },
  ],
  "devices.list": [{ name: "list devices", foreign: () => undefined, check: (a) => expect((a.body.devices as unknown[]).length).toBeGreaterThan(0) }],
  // Device ids are per-organization namespaces: the same id in Globex is another device, and
  // Northwind's stays untouched (the fingerprint below).
  "devices.register": [{ name: "register a Northwind device id", foreign: () => ({ deviceId: "nw-tablet" }) }],
  "devices.revoke": [{ name: "revoke a Northwind device", foreign: () => ({ deviceId: "nw-phone" }), missing: () => ({ deviceId: "no-such-device" }), check: expectStatus(404) }],
  "devices.rename": [
    { name: "rename a Northwind device", foreign: () => ({ deviceId: "nw-phone", label: "Globex's now" }), missing: () => ({ deviceId: "no-such-device", label: "Globex's now" }), check: expectStatus(404) },
  ],
  // Northwind's locations, subscribed from a Globex device: what to evict names Globex entities only.
  "devices.subscribe": [
    {
      name: "subscribe to Northwind's locations",
      foreign: (who) => ({ deviceId: `${who}-tablet`, subscription: { locations: ["Basement", "Roof"] } }),
      check: (a) => expect(a.status).toBe(200),
    },
  ],
  "conflicts.list": [
    { name: "list conflicts", foreign: () => undefined, check: expectEmpty("conflicts") },
    { name: "filter on a Northwind entity", foreign: () => ({ entityId: northwind.secrets[0] }), missing: () => ({ entityId: missingUuid }), check: expectEmpty("conflicts") },
  ],
  "conflicts.lookup": [
    {
      name: "look up a Northwind conflict",
      foreign: () => ({ conflictIds: [northwind.conflictId] }),
      missing: () => ({ conflictIds: [missingUuid] }),
      check: (a) => expect(a.body.conflicts).toEqual([expect.objectContaining({ status: "unknown", conflict: null })]),
    },
  ],
  "conflicts.resolve": (["CLIENT_WINS", "SERVER_WINS", "MERGE", "MANUAL"] as const).map((resolution) => ({
    name: `resolve a Northwind conflict (${resolution})`,
    foreign: () => ({ conflictId: northwind.conflictId, resolution, ...(resolution === "MERGE" && { mergedData: { name: "x" } }) }),
    missing: () => ({ conflictId: missingUuid, resolution, ...(resolution === "MERGE" && { mergedData: { name: "x" } }) }),
    check: expectStatus(404),
  })),
  "queue.stats": [{ name: "queue stats", foreign: () => undefined }],
  "queue.retry": [{ name: "retry Northwind queue items", foreign: () => ({ ids: ["placeholder"] }), check: (a) => expect(a.body.retried ?? []).toEqual([]) }],
  "queue.invalidateCache": [{ name: "invalidate a Northwind device", foreign: () => ({ deviceId: "nw-phone" }), missing: () => ({ deviceId: "no-such-device" }), check: expectStatus(404) }],
  "health.dashboard": [
    {
      name: "the dashboard lists Globex devices only",
      foreign: () => undefined,
      check: (a, who) => {
        if (who === "globexTech") return expect(a).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
        const ids = (a.body.devices as { deviceId: string }[]).map((d) => d.deviceId);
        expect(ids).toEqual(expect.arrayContaining(["globexTech-phone", "globexAdmin-phone"]));
        expect(ids).not.toContain("nw-phone");
      },
    },
    { name: "ask for Northwind's organization", foreign: () => ({ orgId: northwind.orgId }), check: (a, who) => expect(a.status).toBe(who === "globexTech" ? 403 : 400) },
  ],
  "audit.list": [
    { name: "read the audit trail", foreign: () => undefined },
    { name: "filter on a Northwind target", foreign: () => ({ targetId: northwind.conflictId }), missing: () => ({ targetId: missingUuid }) },
    {
      name: "page with a Northwind cursor",
      foreign: () => ({ cursor: northwind.auditCursor }),
      check: (a, who) => expect(a).toMatchObject(who === "globexAdmin" ? { status: 400, body: { code: "INVALID_TOKEN" } } : { status: 403, body: { code: "FORBIDDEN" } }),
    },
  ],
};

test("every procedure and every REST route has cross-organization attacks", () => {
  const procedures = Object.keys(appRouter._def.procedures);
  expect(procedures.filter((p) => !attacks[p])).toEqual([]);
  expect(restRoutes.filter((r) => !attacks[r.procedure]).map((r) => r.url)).toEqual([]);
});

describe.each(["rest", "trpc"] as const)("over %s, Globex aimed at Northwind gets nothing", (transport) => {
  const cases = Object.entries(attacks).flatMap(([procedure, list]) => list.map((attack) => [`${procedure}: ${attack.name}`, procedure, attack] as const));
  test.each(cases)("%s", async (_name, procedure, attack) => {
    // queue.retry needs real Northwind queue ids, known only once beforeAll ran.
    const queueIds = (await api.db.syncQueue.findMany({ where: { orgId: northwind.orgId }, select: { id: true } })).map((q) => q.id);
    const before = await orgFingerprint(api.db, northwind.orgId);
    const auditBefore = await api.db.auditLog.count({ where: { orgId: northwind.orgId } });
    for (const who of ["globexTech", "globexAdmin"] as const) {
      // queue.retry needs real Northwind queue ids, known only once beforeAll ran.
      const foreignInput = procedure === "queue.retry" ? { ids: queueIds } : attack.foreign(who);
      const answer = await invoke(transport, await tokenFor(who, foreignInput), procedure, foreignInput);
      const text = JSON.stringify(answer.body);
      // Ids the attacker sent may be echoed (results name the change); nothing else of Northwind may appear.
      const sent = JSON.stringify(foreignInput ?? null);
      for (const secret of northwind.secrets.filter((s) => !sent.includes(s))) {
        expect(text, `${who} ${procedure} leaked ${secret}`).not.toContain(secret);
      }
      expect(answer.status, `${who}: ${text}`).toBeLessThan(500);
      attack.check?.(answer, who);
      if (attack.missing) {
        const missingInput = attack.missing(who);
        const control = await invoke(transport, await tokenFor(who, missingInput), procedure, missingInput);
        const names = ["nw-phone", "no-such-device"];
        expect(normalize(answer, [foreignInput, missingInput], names), `${who}: foreign answers like missing`).toEqual(normalize(control, [foreignInput, missingInput], names));
      }
    }
    expect(await orgFingerprint(api.db, northwind.orgId)).toEqual(before);
    expect(await api.db.auditLog.count({ where: { orgId: northwind.orgId } })).toBe(auditBefore);
  });
});

test("a technician gets 403 on admin-only procedures; a foreign admin is not an admin of Northwind", async () => {
  for (const procedure of ["audit.list", "health.dashboard"]) {
    expect(await invoke("rest", await api.token("tech1"), procedure, undefined)).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect(await invoke("trpc", await api.token("tech1"), procedure, undefined)).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
  }
  const own = await invoke("rest", await tokenFor("globexAdmin", undefined), "audit.list", undefined);
  expect((own.body.entries as { targetId: string }[]).map((e) => e.targetId)).not.toContain(northwind.conflictId);
});
