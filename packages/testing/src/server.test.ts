import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { create } from "./changes.ts";
import { seededAsset } from "./demo.ts";
import { type TestServer, startTestServer } from "./server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ bodyLimit: 4096 });
});
afterAll(() => server?.stop());

test("the server process runs on its own seeded database and takes its options from the environment", async () => {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect(await server.db.asset.count({ where: { id: seededAsset } })).toBe(1);
  const pushed = await server.push("tech1", "kit-phone", [create(randomUUID(), { name: "Through the kit" })]);
  expect(pushed.results.map((r) => r.status)).toEqual(["applied"]);
  const oversized = await server.call("tech1", "POST", "/api/sync", { deviceId: "kit-phone", changes: [create(randomUUID(), { name: "x".repeat(5000) })] });
  expect(oversized.status).toBe(413);
});

test("stop ends the process and drops its database", async () => {
  const other = await startTestServer();
  const name = new URL(other.databaseUrl).pathname.slice(1);
  await other.stop();
  expect((await fetch(`${other.url}/healthz`).catch(() => null))?.status).toBeUndefined();
  const admin = new pg.Client({ connectionString: other.databaseUrl.replace(`/${name}`, "/postgres") });
  await admin.connect();
  const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  await admin.end();
  expect(rowCount).toBe(0);
});
