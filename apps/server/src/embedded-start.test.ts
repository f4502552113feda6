// The zero-setup path: `pnpm start` (scripts/start.mjs) with the embedded fallback forced, a
// DATABASE_URL that nothing answers and no Redis, in a throwaway copy of the repository.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { type RunningServer, copyRepo, startServerProcess } from "@fieldsync/testing/repo-copy";

const copy = copyRepo();
const dataDir = join(copy.dir, "trial-data");
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
  copy.remove();
});

test("pnpm start runs on embedded PGlite: migrated, seeded, login and push work, pushes applied inline (Redis unused, not down), the console quiet", { timeout: 150_000 }, async () => {
  server = await startServerProcess(copy.dir, ["scripts/start.mjs"], {
    FIELDSYNC_EMBEDDED: "1",
    FIELDSYNC_DATA_DIR: dataDir,
    // Closed ports: neither may be needed.
    DATABASE_URL: "postgresql://postgres@127.0.0.1:9/unused",
    REDIS_URL: "redis://127.0.0.1:9",
    HOST: "127.0.0.1",
    PORT: "0",
  }, 140_000);
  expect(server.output()).toContain(`FIELDSYNC_EMBEDDED=1: using the embedded PGlite database in ${dataDir} (created now, with demo data)`);
  expect(server.output()).toContain("demo data seeded");
  expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);

  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  // any: responses are checked field by field
  const call = async (method: string, path: string, body?: unknown, token?: string): Promise<any> => {
    const response = await fetch(`${server!.url}${path}`, {
      method,
      headers: { ...(body !== undefined && { "content-type": "application/json" }), ...(token && { authorization: `Bearer ${token}` }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };
  const { token } = await call("POST", "/api/auth/login", { email: "tech1@northwind.test", password: "fieldsync-demo", deviceId: "trial-laptop" });
  const entityId = randomUUID();
  const pushed = await call("POST", "/api/sync", {
    deviceId: "trial-laptop",
    changes: [{ changeId: randomUUID(), entityType: "asset", entityId, operation: "CREATE", payload: { name: "Heat pump" }, clientVersion: 0, timestamp: new Date().toISOString() }],
  }, token);
  expect(pushed.results[0]).toMatchObject({ status: "applied", version: 1 });
  expect(pushed.results[0].checksum).toMatch(/^[0-9a-f]{64}$/);

  const delta = await call("POST", "/api/sync/delta", { deviceId: "trial-laptop", entityTypes: ["asset"] }, token);
  expect(delta.changes.map((c: { entityId: string }) => c.entityId)).toContain(entityId);
  const status = await call("GET", "/api/sync/status", undefined, token);
  expect(status.background).toEqual({ redis: "unused", mode: "inline" });
  // The default console: no log line per request, nothing about the Redis it does not use.
  expect(server.output()).not.toMatch(/incoming request|request completed|"level":30|ECONNREFUSED/);
});
