// A device on schema version 1 (this build) with 50 queued changes pushes to a server at version
// 2, and every change lands as version 2 means it. The server is a copy of this repository
// evolved the way a real release would be: the task schema of packages/schema/src/test-support/
// task-v2.ts (`notes` renamed `details`, a required `estimateMinutes` that older creates get as
// 60, status OPEN split into OPEN and SCHEDULED by the due date) with its upgrade step in the
// registry, `schemaVersion` 2, and a migration for the table, run as a real process on its own
// PostgreSQL database. Then the copy raises its oldest supported version to 2 and the same device
// is refused: it stops with its outbox intact and says it needs an update; the copy's own
// sync-client (the v2 build the PWA reloads into) then opens the same IndexedDB, upgrades the
// queued changes and pushes them.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { databaseUrl } from "@fieldsync/db/testing";
import { type RunningServer, copyRepo, startServerProcess } from "@fieldsync/testing/repo-copy";
import { seededAsset } from "@fieldsync/testing/demo";
import { freePort } from "@fieldsync/testing/free-port";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import fc from "fast-check";
import pg from "pg";
import { taskSchema } from "@fieldsync/schema";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ApiError } from "./api-client.ts";
import { type TestDevice, loggedInDevice } from "./test-support/device.ts";

const copy = copyRepo();
const database = `fieldsync_v2_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const url = databaseUrl(database);
let port: number;
let server: RunningServer | undefined;
let device: TestDevice | undefined;
/** The phone's IndexedDB, kept across the app update. */
const factory = new IDBFactory();
/** Changes the phone queued once the server stopped taking version 1. */
let waiting: string[] = [];
const sql = new pg.Pool({ connectionString: url, max: 2 });

/** Replaces `from` in a file of the copy, failing loudly when the file no longer reads that way. */
function edit(path: string, from: string | RegExp, to: string) {
  const file = join(copy.dir, path);
  const text = readFileSync(file, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${path}: ${String(from)} not found; update the evolution in schema-upgrade.test.ts`);
  writeFileSync(file, next);
}

/** The release that takes the task to version 2: schema, upgrade step, version, Prisma model and migration. */
function evolveToV2() {
  edit("packages/schema/src/schema-version.ts", "export const schemaVersion = 1;", "export const schemaVersion = 2;");
  edit("packages/schema/src/registry.ts", 'import { taskSchema } from "./entities/task.ts";', 'import { taskToV2, taskV2Fields, taskV2Schema } from "./test-support/task-v2.ts";');
  edit("packages/schema/src/registry.ts", "schema: taskSchema,", "schema: taskV2Schema,\n    upgrades: [taskToV2],");
  edit("packages/schema/src/registry.ts", /(titleField: "title",\n\s+)fields: \{\n\s+assetId: \{ label: "Asset" \},\n\s+title: \{ label: "Title" \},\n\s+status:[^\n]*IN_PROGRESS[^]*?\n {4}\},\n/, "$1fields: taskV2Fields,\n");
  edit("prisma/schema.prisma", /(model Task \{[^}]*)notes {5}String\?/, "$1details   String?\n  estimateMinutes Int @default(60)");
  edit("prisma/schema.prisma", /(enum TaskStatus \{\n\s+OPEN\n)/, "$1  SCHEDULED\n");
  const migration = join(copy.dir, "prisma/migrations/29991231000000_task_v2");
  mkdirSync(migration);
  writeFileSync(
    join(migration, "migration.sql"),
    `ALTER TABLE "Task" RENAME COLUMN "notes" TO "details";
ALTER TABLE "Task" ADD COLUMN "estimateMinutes" INTEGER NOT NULL DEFAULT 60;
ALTER TYPE "TaskStatus" ADD VALUE 'SCHEDULED' AFTER 'OPEN';
`,
  );
  execFileSync("pnpm", ["exec", "prisma", "generate"], { cwd: copy.dir, env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
}

const startServer = async () => {
  server = await startServerProcess(copy.dir, ["--import", "tsx", "apps/server/src/main.ts"], {
    DATABASE_URL: url,
    HOST: "127.0.0.1",
    PORT: String(port),
    // No Redis: pushes are applied inline (and the shared Redis stays untouched).
    REDIS_URL: "redis://127.0.0.1:9",
    LOG_LEVEL: "warn",
  });
};

beforeAll(async () => {
  evolveToV2();
  port = await freePort();
  await startServer();
}, 300_000);

afterAll(async () => {
  device?.close();
  await server?.stop();
  await sql.end();
  const admin = new pg.Client({ connectionString: databaseUrl("postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  copy.remove();
});

const email = "tech1@northwind.test";
const assetId = seededAsset;
const dueAt = "2026-12-24T08:00:00.000Z";

interface TaskRow {
  id: string;
  title: string;
  status: string;
  dueAt: Date | null;
  details: string | null;
  estimateMinutes: number;
}
const tasks = async (ids: string[]) =>
  new Map((await sql.query<TaskRow>(`SELECT "id", "title", "status"::text, "dueAt", "details", "estimateMinutes" FROM "Task" WHERE "id" = ANY($1)`, [ids])).rows.map((row) => [row.id, row]));

test("a v1 device's 50 queued changes (renamed field, new field with a default, split enum value) land on a v2 server as v2 means them", { timeout: 300_000 }, async () => {
  // Tasks written by a v2 client: their estimates are not the default.
  const login = await fetch(`${server!.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "fieldsync-demo", deviceId: "v2-tablet" }),
  }).then((r) => r.json() as Promise<{ token: string }>);
  const existing = Array.from({ length: 20 }, () => randomUUID());
  const v2Push = await fetch(`${server!.url}/api/sync`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${login.token}` },
    body: JSON.stringify({
      deviceId: "v2-tablet",
      schemaVersion: 2,
      changes: existing.map((entityId, i) => ({
        changeId: randomUUID(), entityType: "task", entityId, operation: "CREATE", clientVersion: 0, timestamp: new Date().toISOString(),
        payload: { assetId, title: `Existing ${i}`, status: "IN_PROGRESS", estimateMinutes: 25, details: "from the tablet" },
      })),
    }),
  }).then((r) => r.json() as Promise<{ results: { status: string }[] }>);
  expect(v2Push.results.map((r) => r.status), JSON.stringify(v2Push.results[0])).toEqual(existing.map(() => "applied"));

  device = await loggedInDevice(server!.url, email, { name: "v1-phone", factory });
  await device.engine.sync();
  expect(await device.engine.store.get("task", existing[0]!)).toBeTruthy();

  // Offline for weeks: 30 new tasks and 20 edits of the tablet's tasks, queued in v1 shape.
  const created: { id: string; status?: string; dueAt?: string; notes?: string }[] = [];
  for (let i = 0; i < 30; i++) {
    const payload = {
      assetId,
      title: `Queued ${i}`,
      ...([{ status: "OPEN" }, { status: "OPEN", dueAt }, { status: "DONE" }, {}, { dueAt }][i % 5]),
      ...(i % 2 === 0 && { notes: `note ${i}` }),
    } as { assetId: string; title: string; status?: string; dueAt?: string; notes?: string };
    created.push({ id: await device.engine.store.create("task", payload), ...payload });
  }
  const edits = existing.map((id, i) => ({ id, patch: [{ notes: `edited ${i}` }, { status: "OPEN" }, { status: "OPEN", dueAt }, { status: "DONE", notes: `closed ${i}` }][i % 4]! }));
  for (const { id, patch } of edits) await device.engine.store.update("task", id, patch);
  expect(await device.db.outbox.count()).toBe(50);

  const report = await device.engine.sync();
  expect(report).toMatchObject({ pushed: 50, applied: 50, rejected: 0, failed: 0, conflicts: 0 });
  expect(await device.db.outbox.count()).toBe(0);

  const stored = await tasks([...created.map((c) => c.id), ...existing]);
  for (const c of created) {
    const split = c.status === "OPEN" && c.dueAt ? "SCHEDULED" : c.status;
    expect(stored.get(c.id), `created ${c.id}`).toMatchObject({
      details: c.notes ?? null,
      estimateMinutes: 60,
      // No status: the registry's default.
      status: split ?? "OPEN",
    });
  }
  for (const [i, { id, patch }] of edits.entries()) {
    const row = stored.get(id)!;
    // An edit never resets the new field to its default.
    expect(row.estimateMinutes, `edit ${i}`).toBe(25);
    if ("notes" in patch) expect(row.details).toBe(patch.notes);
    else expect(row.details).toBe("from the tablet");
    const split = patch.status === "OPEN" && "dueAt" in patch ? "SCHEDULED" : (patch.status ?? "IN_PROGRESS");
    expect(row.status, `edit ${i}`).toBe(split);
  }
  // The tablet (v2) pulls the phone's changes in v2 shape, with checksums that match.
  const delta = await fetch(`${server!.url}/api/sync/delta`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${login.token}` },
    body: JSON.stringify({ deviceId: "v2-tablet", entityTypes: ["task"] }),
  }).then((r) => r.json() as Promise<{ changes: { entityId: string; payload: Record<string, unknown> }[] }>);
  const first = delta.changes.find((change) => change.entityId === created[1]!.id);
  expect(first?.payload).toMatchObject({ status: "SCHEDULED", estimateMinutes: 60, dueAt });
  expect(first?.payload).not.toHaveProperty("notes");
});

test("a change the v1 server queued before the release is applied by the v2 worker in v2 shape", { timeout: 300_000 }, async () => {
  const [client] = (await sql.query<{ id: string; orgId: string }>(`SELECT "id", "orgId" FROM "SyncClient" WHERE "deviceId" LIKE 'web-%' LIMIT 1`)).rows;
  const [rowId, entityId] = [randomUUID(), randomUUID()];
  // As the v1 build stored it: no schemaVersion column yet, so the migration's default (1).
  await sql.query(
    `INSERT INTO "SyncQueue" ("id", "orgId", "clientId", "idempotencyKey", "fingerprint", "entityType", "entityId", "operation", "payload", "clientVersion", "clientTimestamp")
     VALUES ($1, $2, $3, $4, 'v1-build', 'task', $5, 'CREATE', $6, 0, now())`,
    [rowId, client!.orgId, client!.id, `c:${randomUUID()}`, entityId, JSON.stringify({ assetId, title: "Queued by the v1 server", status: "OPEN", dueAt, notes: "before the release" })],
  );
  // The copy's own worker code (v2), as its BullMQ processor runs it.
  const script = `
    import { createDb } from "@fieldsync/db";
    import { processQueuedChange } from "@fieldsync/api";
    const db = createDb(process.env.DATABASE_URL);
    console.log(JSON.stringify(await processQueuedChange({ db }, process.env.ROW_ID, { maxAttempts: 3, lockTimeoutMs: 10_000 })));
    await db.$disconnect();`;
  const output = execFileSync("node", ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: join(copy.dir, "apps/worker"),
    env: { ...process.env, DATABASE_URL: url, ROW_ID: rowId },
    encoding: "utf8",
  });
  expect(JSON.parse(output.trim().split("\n").pop()!)).toEqual({ processed: 1 });
  const [queued] = (await sql.query<{ status: string; result: { status: string } }>(`SELECT "status"::text, "result" FROM "SyncQueue" WHERE "id" = $1`, [rowId])).rows;
  expect(queued).toMatchObject({ status: "COMPLETED", result: { status: "applied" } });
  expect((await tasks([entityId])).get(entityId)).toMatchObject({ status: "SCHEDULED", details: "before the release", estimateMinutes: 60 });
});

test("a change the v1 server applied, sent again after the release because its answer was lost, is answered as the same change", { timeout: 300_000 }, async () => {
  const deviceId = "v1-retry";
  const api = async (path: string, body: unknown, token?: string) =>
    fetch(`${server!.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ token: string; results: unknown[] }>);
  const { token } = await api("/api/auth/login", { email, password: "fieldsync-demo", deviceId });
  await api("/api/sync", { deviceId, schemaVersion: 1, changes: [] }, token);
  const [client] = (await sql.query<{ id: string; orgId: string }>(`SELECT "id", "orgId" FROM "SyncClient" WHERE "deviceId" = $1`, [deviceId])).rows;
  const change = {
    changeId: randomUUID(), entityType: "task", entityId: randomUUID(), operation: "CREATE", clientVersion: 0, timestamp: new Date().toISOString(),
    payload: { assetId, title: "Answer lost", status: "OPEN", dueAt, notes: "sent twice" },
  };
  const outcome = { status: "applied", version: 1, checksum: null, mergedConflictId: null };
  // The claim as the v1 build stored it: the change in v1 shape (schemaVersion 1, the column's
  // default), its fingerprint taken over that shape.
  await sql.query(
    `INSERT INTO "SyncQueue" ("id", "orgId", "clientId", "changeId", "idempotencyKey", "fingerprint", "entityType", "entityId", "operation", "payload",
       "clientVersion", "clientTimestamp", "status", "attempts", "result", "processedAt")
     VALUES ($1, $2, $3, $4, $5, 'fingerprint over the v1 payload', 'task', $6, 'CREATE', $7, 0, now(), 'COMPLETED', 1, $8, now())`,
    [randomUUID(), client!.orgId, client!.id, change.changeId, `c:${change.changeId}`, change.entityId, JSON.stringify(change.payload), JSON.stringify(outcome)],
  );
  const again = await api("/api/sync", { deviceId, schemaVersion: 1, changes: [change] }, token);
  expect(again.results).toEqual([expect.objectContaining({ ...outcome, duplicate: true, changeId: change.changeId })]);
  // Not applied a second time.
  expect((await tasks([change.entityId])).size).toBe(0);
});

test("property: any v1 task CREATE through HTTP to the v2 server: a valid one lands upgraded, anything else gets a 4xx and writes nothing; never a 5xx", { timeout: 300_000 }, async () => {
  const deviceId = "v1-fuzz";
  const { token } = await fetch(`${server!.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "fieldsync-demo", deviceId }),
  }).then((r) => r.json() as Promise<{ token: string }>);
  const v1Payload = fc.record(
    {
      assetId: fc.constant(assetId),
      title: fc.string({ minLength: 1, maxLength: 30 }),
      status: fc.constantFrom("OPEN", "IN_PROGRESS", "DONE"),
      priority: fc.constantFrom("LOW", "NORMAL", "HIGH", "URGENT"),
      dueAt: fc.option(fc.constantFrom(dueAt, "2027-03-01T00:00:00.000Z")),
      notes: fc.option(fc.string({ maxLength: 40 })),
    },
    { requiredKeys: ["assetId", "title"] },
  );
  const poison = fc.option(fc.tuple(fc.constantFrom("notes", "status", "dueAt", "title", "details", "estimateMinutes", "SCHEDULED", "__proto__"), fc.jsonValue()), { freq: 2 });
  await fc.assert(
    fc.asyncProperty(v1Payload, poison, async (valid, poisoned) => {
      const payload: Record<string, unknown> = poisoned ? { ...valid, [poisoned[0]]: poisoned[1] } : valid;
      const entityId = randomUUID();
      const response = await fetch(`${server!.url}/api/sync`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          deviceId,
          schemaVersion: 1,
          changes: [{ changeId: randomUUID(), entityType: "task", entityId, operation: "CREATE", payload, clientVersion: 0, timestamp: new Date().toISOString() }],
        }),
      });
      const body = (await response.json()) as { code?: string; results?: { status: string }[] };
      expect(response.status, JSON.stringify(body)).toBeLessThan(500);
      const written = (await sql.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM "Task" WHERE "id" = $1) + (SELECT count(*) FROM "ChangeLog" WHERE "entityId" = $1) + (SELECT count(*) FROM "SyncQueue" WHERE "entityId" = $1) AS "n"`,
        [entityId],
      )).rows[0]!.n;
      if (taskSchema.safeParse(payload).success) {
        expect(response.status, JSON.stringify(body)).toBe(200);
        expect(body.results?.[0]?.status).toBe("applied");
        expect((await tasks([entityId])).get(entityId)).toMatchObject({ estimateMinutes: 60 });
      } else if (response.status >= 400) {
        expect(body.code).toEqual(expect.any(String));
        expect(Number(written)).toBe(0);
      }
    }),
    { numRuns: 60 },
  );
});

test("once the server no longer takes version 1, the device stops: update needed, outbox intact, nothing written", { timeout: 300_000 }, async () => {
  await server!.stop();
  server = undefined;
  writeFileSync(
    join(copy.dir, "packages/schema/src/schema-version.ts"),
    readFileSync(join(copy.dir, "packages/schema/src/schema-version.ts"), "utf8").replace("export const oldestSupportedSchemaVersion = 1;", "export const oldestSupportedSchemaVersion = 2;"),
  );
  await startServer();

  const ids = [
    await device!.engine.store.create("task", { assetId, title: "Written after the cut-off", notes: "keep me" }),
    await device!.engine.store.create("task", { assetId, title: "And another", status: "OPEN", dueAt }),
  ];
  waiting = ids;
  const refusal = await device!.engine.sync().catch((error: unknown) => error);
  expect(refusal).toBeInstanceOf(ApiError);
  expect(refusal).toMatchObject({ status: 412, code: "SCHEMA_VERSION_TOO_OLD" });
  expect(await device!.engine.store.syncState()).toMatchObject({ phase: "updateNeeded", lastError: { code: "SCHEMA_VERSION_TOO_OLD" } });
  const outbox = await device!.db.outbox.toArray();
  expect(outbox.map((entry) => [entry.entityId, entry.status, entry.error])).toEqual(ids.map((id) => [id, "pending", null]));
  expect((await tasks(ids)).size).toBe(0);
});

test("the app updates itself: the v2 build opens the same store, upgrades the queued changes and pushes them", { timeout: 300_000 }, async () => {
  expect(waiting).toHaveLength(2);
  device!.close();
  device = undefined;
  // The copy's sync-client runs on the copy's schema package: version 2, with the task's upgrade.
  const v2: typeof import("./index.ts") = await import(join(copy.dir, "packages/sync-client/src/index.ts"));
  const db = new v2.LocalDb("v1-phone", { indexedDB: factory, IDBKeyRange });
  try {
    const engine = new v2.SyncEngine({ db, baseUrl: server!.url, deviceName: "v1-phone" });
    const report = await engine.sync();
    expect(report).toMatchObject({ pushed: 2, applied: 2, rejected: 0, failed: 0 });
    expect(await db.outbox.count()).toBe(0);
    expect(await engine.store.syncState()).toMatchObject({ phase: "idle", lastError: null });
    const stored = await tasks(waiting);
    expect(stored.get(waiting[0]!)).toMatchObject({ details: "keep me", estimateMinutes: 60, status: "OPEN" });
    expect(stored.get(waiting[1]!)).toMatchObject({ details: null, estimateMinutes: 60, status: "SCHEDULED" });
    // The replica was rebuilt from a snapshot in the new shape.
    const local = await engine.store.get("task", waiting[0]!);
    expect(local?.data).toMatchObject({ details: "keep me", estimateMinutes: 60 });
    expect(local?.data).not.toHaveProperty("notes");
  } finally {
    db.close();
  }
});
