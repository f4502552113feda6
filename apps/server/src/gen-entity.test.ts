// `pnpm gen:entity` in a throwaway copy of the repository: every workspace package still
// typechecks (adding a type is one step: nothing else needs editing by hand), and the generated
// entity type syncs end to end through the copy's own server (migrations applied to a fresh
// database by its start-up).
import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { databaseUrl } from "@fieldsync/db/testing";
import { checksum } from "@fieldsync/sync-core";
import pg from "pg";
import { afterAll, expect, test } from "vitest";
import { type RunningServer, copyRepo, startServerProcess } from "@fieldsync/testing/repo-copy";

const copy = copyRepo();
const database = `fieldsync_gen_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const url = databaseUrl(database);
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
  const admin = new pg.Client({ connectionString: databaseUrl("postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  copy.remove();
});

// Typechecking every package takes minutes on a busy 2-core machine.
test("a generated entity type typechecks everywhere and syncs end to end", { timeout: 1_200_000 }, async () => {
  execFileSync("pnpm", ["gen:entity", "meter-reading"], { cwd: copy.dir, env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });

  // Each package's own `typecheck` script (the web app's included: its forms come from the
  // registry); every failing package reported, not only the first.
  const typecheck = spawnSync("pnpm", ["-r", "--no-bail", "--workspace-concurrency=2", "run", "typecheck"], { cwd: copy.dir, encoding: "utf8" });
  expect(typecheck.status, `${typecheck.stdout}${typecheck.stderr}`).toBe(0);

  const read = (path: string) => readFileSync(join(copy.dir, path), "utf8");
  expect(read("packages/schema/src/registry.ts")).toContain('meterReading: defineEntity({\n    model: "MeterReading"');
  expect(read("packages/schema/src/registry.ts")).toContain('label: "Meter reading",\n    pluralLabel: "Meter readings"');
  expect(read("prisma/schema.prisma")).toMatch(/model MeterReading \{[^}]*@@id\(\[orgId, id\]\)/);
  const migration = readdirSync(join(copy.dir, "prisma/migrations")).find((dir) => dir.endsWith("_add_meter_reading"))!;
  const sql = read(`prisma/migrations/${migration}/migration.sql`);
  expect(sql).toContain('CREATE TABLE "MeterReading"');
  expect(sql).toContain(`SELECT fieldsync_attach('"MeterReading"', 'meterReading');`);
  expect(JSON.parse(read("docs/openapi.json")).components.schemas.EntityMeterReading.required).toEqual(["title"]);

  server = await startServerProcess(copy.dir, ["--import", "tsx", "apps/server/src/main.ts"], {
    DATABASE_URL: url,
    HOST: "127.0.0.1",
    PORT: "0",
    // No Redis: pushes are applied inline (and the shared Redis stays untouched).
    REDIS_URL: "redis://127.0.0.1:9",
    LOG_LEVEL: "warn",
  });
  // any: responses are checked field by field
  const api = async (path: string, body: unknown, token?: string): Promise<any> => {
    const response = await fetch(`${server!.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };
  const { token } = await api("/api/auth/login", { email: "tech1@northwind.test", password: "fieldsync-demo", deviceId: "gen-test" });
  const entityId = randomUUID();
  const change = (operation: "CREATE" | "UPDATE", clientVersion: number, payload: object) => ({
    changeId: randomUUID(), entityType: "meterReading", entityId, operation, payload, clientVersion, timestamp: new Date().toISOString(),
  });
  const pushed = await api("/api/sync", {
    deviceId: "gen-test",
    changes: [change("CREATE", 0, { title: "Meter 7: 1432 kWh" }), change("UPDATE", 1, { notes: "read at dawn" })],
  }, token);
  expect(pushed.results.map((r: { status: string; version: number }) => [r.status, r.version])).toEqual([["applied", 1], ["applied", 2]]);

  const delta = await api("/api/sync/delta", { deviceId: "gen-test", entityTypes: ["meterReading"] }, token);
  const data = { title: "Meter 7: 1432 kWh", notes: "read at dawn" };
  expect(delta.changes).toEqual([
    expect.objectContaining({ entityType: "meterReading", entityId, clientVersion: 2, payload: data, checksum: await checksum(data) }),
  ]);
  expect(pushed.results[1].checksum).toBe(await checksum(data));
});
