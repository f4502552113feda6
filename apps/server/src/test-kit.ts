// The server's own integration-test set-up: the real Fastify app in this process (exercised with
// inject) over a fresh seeded database. Other workspaces start the server as a process instead
// (@fieldsync/testing/server); the demo data and the session client are shared from there.
import { type ApiConfig, type Deps, seedDemoData } from "@fieldsync/api";
import { type TestDatabase, createTestDatabase } from "@fieldsync/db/testing";
import { sessionClient } from "@fieldsync/testing/session-client";
import { type AppOptions, buildApp } from "./app.ts";
import { apiConfig } from "./config.ts";
import { loadEnv } from "./env.ts";
import { NudgeHub } from "./nudge-hub.ts";
import { localNotifier } from "./realtime.ts";
import { randomSecrets } from "./secrets.ts";

/**
 * The real app over a fresh seeded database, with live events for this process's listeners.
 * `appOptions`: host options such as CORS origins or the sync rate limit (off by default).
 * `background`: a job queue and cache (without them pushes run inline only), the shared pages, the
 * read-ahead of pages and a read replica.
 * `given`: a migrated, empty database to use instead of a fresh one on the shared server.
 */
export async function setupApi(
  overrides: Partial<ApiConfig> = {},
  appOptions: Omit<AppOptions, "deps"> = {},
  background: Pick<Deps, "queue" | "cache" | "readReplica" | "sharedPages" | "readAhead"> = { queue: null, cache: null },
  given?: TestDatabase,
) {
  const database = given ?? (await createTestDatabase());
  await seedDemoData(database.db);
  // Keys of this run only: nothing signs with a secret from the repository.
  const config = { ...apiConfig(loadEnv({ NODE_ENV: "test" }), randomSecrets()), ...overrides };
  // As in production, pushes announce their changes on the events stream (this process only).
  const hub = new NudgeHub();
  const notifier = localNotifier(database.db, hub);
  const app = await buildApp({ ...appOptions, hub, deps: { db: database.db, config, notifier, ...background } });

  return {
    app,
    /** The process's live-event fan-out: a test may deliver events to the streams itself. */
    hub,
    db: database.db,
    databaseUrl: database.url,
    config,
    ...sessionClient((request) => app.inject(request)),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export type Api = Awaited<ReturnType<typeof setupApi>>;
