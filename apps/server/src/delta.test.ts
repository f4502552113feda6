import { randomUUID } from "node:crypto";
import type { DeltaResponse } from "@fieldsync/schema";
import { createTestDatabase } from "@fieldsync/db/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, remove, update } from "@fieldsync/testing/changes";
import type { UserName } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

const delta = async (user: UserName, body: Record<string, unknown>) => {
  const response = await api.call(user, "POST", "/api/sync/delta", { deviceId: `${user}-reader`, ...body });
  if (response.status !== 200) throw new Error(`delta ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as DeltaResponse;
};

/** Pulls until hasMore is false; returns every change and the final token. */
const drain = async (user: UserName, body: Record<string, unknown>) => {
  const changes: DeltaResponse["changes"] = [];
  let page = await delta(user, body);
  changes.push(...page.changes);
  while (page.hasMore) {
    page = await delta(user, { ...body, pageToken: page.nextPageToken });
    changes.push(...page.changes);
  }
  return { changes, token: page.nextPageToken, last: page };
};

describe("initial sync", () => {
  test("a snapshot of every current entity, paged, with x-of-N progress, then nothing more", async () => {
    const first = await delta("tech1", { pageSize: 3 });
    expect(first.changes).toHaveLength(3);
    expect(first.hasMore).toBe(true);
    expect(first.progress).toMatchObject({ sent: 3 });
    const { changes, token } = await drain("tech1", { pageSize: 3 });
    const ids = changes.map((c) => c.entityId);
    expect(new Set(ids).size).toBe(ids.length);
    const northwind = { org: { name: "Northwind" } };
    const entities =
      (await api.db.asset.count({ where: northwind })) + (await api.db.task.count({ where: northwind })) + (await api.db.schedule.count({ where: northwind }));
    expect(ids.length).toBe(entities);
    expect((await delta("tech1", { pageToken: token })).changes).toEqual([]);
  });

  test("a page that one entity type fills exactly continues with the next type", async () => {
    const assets = await api.db.asset.count({ where: { org: { name: "Northwind" } } });
    const first = await delta("tech1", { pageSize: assets });
    expect(first.changes.map((c) => c.entityType)).toEqual(Array(assets).fill("asset"));
    const second = await delta("tech1", { pageSize: assets, pageToken: first.nextPageToken });
    expect(second.changes[0]?.entityType).toBe("task");
  });

  test("entityTypes filters what is sent", async () => {
    const { changes } = await drain("tech1", { entityTypes: ["task"], pageSize: 50 });
    expect(changes.length).toBeGreaterThan(0);
    expect(new Set(changes.map((c) => c.entityType))).toEqual(new Set(["task"]));
  });
});

describe("incremental pulls", () => {
  test("creates, updates and tombstones arrive after the token, each with its version and checksum", async () => {
    const { token } = await drain("tech2", { pageSize: 100 });
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Delta" })]);
    await api.push("tech1", "phone-a", [update(id, 1, { notes: "x" })]);
    await api.push("tech1", "phone-a", [remove(id, 2)]);
    const page = await delta("tech2", { pageToken: token });
    expect(page.changes.map((c) => [c.operation, c.clientVersion])).toEqual([["CREATE", 1], ["UPDATE", 2], ["DELETE", 3]]);
    expect(page.changes[2]).toMatchObject({ payload: {}, checksum: null });
    expect(page.changes[1]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  test("lastSyncTimestamp works for clients without a token", async () => {
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Since" })]);
    const { changes } = await drain("tech2", { lastSyncTimestamp: since });
    expect(changes.map((c) => c.entityId)).toEqual([id]);
  });

  test("a device's own changes are passed over once: its token moves past them", async () => {
    const { token } = await drain("tech1", { pageSize: 1000 });
    const first = await api.push("tech1", "tech1-reader", [create(randomUUID(), { name: "Solo 1" })], token);
    const second = await api.push("tech1", "tech1-reader", [create(randomUUID(), { name: "Solo 2" })], first.syncToken);
    expect(second.changes).toEqual([]);
    // Tokens are readable (only signed): the cursor is at the last log row, its own, not before it.
    const cursor = JSON.parse(Buffer.from(second.syncToken.split(".")[0]!, "base64url").toString()).cursor;
    const [end] = await api.db.$queryRaw<{ txid: string; seq: string }[]>`
      SELECT "txid"::text, "seq"::text FROM "ChangeLog" WHERE "orgId" = (SELECT id FROM "Organization" WHERE name = 'Northwind')
      ORDER BY "txid" DESC, "seq" DESC LIMIT 1`;
    expect(cursor).toMatchObject({ mode: "log", txid: end!.txid, seq: end!.seq });
  });

  test("a change whose transaction commits late is never skipped", async () => {
    const { token } = await drain("tech2", { pageSize: 100 });
    const [org] = await api.db.$queryRaw<{ id: string }[]>`SELECT id FROM "Organization" WHERE name = 'Northwind'`;
    const late = randomUUID();
    const early = randomUUID();
    const client = new pg.Client({ connectionString: api.databaseUrl });
    await client.connect();
    try {
      // A transaction that writes first but commits last: its txid is below the other's.
      await client.query("BEGIN");
      await client.query(`INSERT INTO "Asset" ("orgId", "id", "name") VALUES ($1, $2, 'Late')`, [org!.id, late]);
      await api.push("tech1", "phone-a", [create(early, { name: "Early" })]);
      const whileOpen = await drain("tech2", { pageToken: token });
      expect(whileOpen.changes.map((c) => c.entityId)).not.toContain(late);
      await client.query("COMMIT");
      const after = await drain("tech2", { pageToken: whileOpen.token });
      const seen = [...whileOpen.changes, ...after.changes].map((c) => c.entityId);
      expect(seen).toContain(late);
      expect(seen).toContain(early);
    } finally {
      await client.end();
    }
  });
});

test("a transaction left open in another database does not hold back pulls", async () => {
  const other = await createTestDatabase();
  const idle = new pg.Client({ connectionString: other.url });
  await idle.connect();
  try {
    await idle.query("BEGIN");
    await idle.query("SELECT pg_current_xact_id()");
    const { token } = await drain("tech2", { pageSize: 100 });
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Not held back" })]);
    expect((await delta("tech2", { pageToken: token })).changes.map((c) => c.entityId)).toEqual([id]);
  } finally {
    await idle.end();
    await other.drop();
  }
});

describe("tokens are opaque, tamper-evident and bound to the organization", () => {
  test("a modified token is rejected", async () => {
    const { token } = await drain("tech1", { pageSize: 100 });
    const [body, mac] = token.split(".");
    const decoded = JSON.parse(Buffer.from(body!, "base64url").toString());
    decoded.cursor.seq = "0";
    const forged = `${Buffer.from(JSON.stringify(decoded)).toString("base64url")}.${mac}`;
    const response = await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "tech1-reader", pageToken: forged });
    expect(response).toMatchObject({ status: 400, body: { code: "INVALID_TOKEN" } });
  });

  test("another organization's token is rejected", async () => {
    const { token } = await drain("tech1", { pageSize: 100 });
    const response = await api.call("globex", "POST", "/api/sync/delta", { deviceId: "globex-reader", pageToken: token });
    expect(response).toMatchObject({ status: 400, body: { code: "INVALID_TOKEN" } });
  });

  test("a token for other entity types is rejected", async () => {
    const { token } = await drain("tech1", { entityTypes: ["asset"], pageSize: 100 });
    const response = await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "tech1-reader", pageToken: token, entityTypes: ["task"] });
    expect(response).toMatchObject({ status: 400, body: { code: "INVALID_TOKEN" } });
  });

  test("an organization never receives another's changes", async () => {
    const { changes } = await drain("globex", { pageSize: 1000 });
    const globex = await api.db.organization.findFirstOrThrow({ where: { name: "Globex" } });
    const others = await api.db.changeLog.findMany({ where: { orgId: { not: globex.id } }, select: { entityId: true } });
    const foreign = new Set(others.map((n) => n.entityId));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.filter((c) => foreign.has(c.entityId))).toEqual([]);
  });
});
