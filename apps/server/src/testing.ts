// A real server for tests: fresh migrated + seeded database, random port on loopback.
import { createServer } from "node:net";
import { type PushGateOptions, seedDemoData } from "@fieldsync/api";
import { createTestDatabase } from "@fieldsync/db/testing";
import { buildApp } from "./app.ts";
import { apiConfig } from "./config.ts";
import { loadEnv } from "./env.ts";
import { NudgeHub, localNotifier } from "./realtime.ts";
import { randomSecrets } from "./secrets.ts";

export { holdWrites } from "./write-hold.ts";

export async function startTestServer(options: { webDist?: string; bodyLimit?: number; pushGate?: PushGateOptions } = {}) {
  const database = await createTestDatabase();
  await seedDemoData(database.db);
  const env = loadEnv({ NODE_ENV: "test" });
  const hub = new NudgeHub();
  const deps = { db: database.db, config: apiConfig(env, randomSecrets()), queue: null, cache: null, notifier: localNotifier(database.db, hub) };
  const app = await buildApp({ deps, hub, webDist: options.webDist, bodyLimit: options.bodyLimit, pushGate: options.pushGate });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    db: database.db,
    databaseUrl: database.url,
    stop: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** A loopback port nothing listens on right now (for processes a test spawns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
