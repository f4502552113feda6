// The real server for tests that talk to it over HTTP: its own entry (apps/server/src/main.ts)
// run as a process with tsx, on a fresh migrated + seeded database, a free loopback port and
// signing keys of this run only. Options reach it as the environment its env.ts reads.
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { limits } from "@fieldsync/schema";
import { freePort } from "./free-port.ts";
import { startServerProcess } from "./repo-copy.ts";
import { runSecrets, withSeededDatabase } from "./seeded-database.ts";
import { fetchTransport, sessionClient } from "./session-client.ts";
import { repoRoot } from "./workspace.ts";

export interface TestServerOptions {
  /** Built PWA to serve at / (WEB_DIST); by default nothing is served. */
  webDist?: string;
  /** BODY_LIMIT_BYTES */
  bodyLimit?: number;
  /**
   * SYNC_INLINE_MAX_CHANGES. By default every push is applied inline: no worker runs unless the
   * test starts one.
   */
  inlineMaxChanges?: number;
  /** REDIS_URL; by default the server's own default (or the REDIS_URL this process inherited). */
  redisUrl?: string;
  /**
   * REDIS_PREFIX; by default one of this server's own, so no other worker takes its jobs and no
   * other server shares its cache, rate-limit counters or event channels.
   */
  queuePrefix?: string;
  /** MAX_DEVICES_PER_USER */
  maxDevicesPerUser?: number;
  /** SYNC_PUSH_CONCURRENCY, SYNC_PUSH_QUEUE_LENGTH, SYNC_PUSH_QUEUE_WAIT_MS and SYNC_PUSH_EXPRESS_SLOTS (none unless given). */
  pushGate?: { slots: number; queueLength: number; maxWaitMs: number; expressSlots?: number };
  /** Any other variable of apps/server/src/env.ts; wins over the above. */
  env?: Record<string, string>;
  /** The repository whose server runs, e.g. a copy (repo-copy.ts) at another release; by default this one. */
  root?: string;
}

const defined = (env: Record<string, string | number | undefined>) =>
  Object.fromEntries(Object.entries(env).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])));

/** Starts the server; `stop` ends the process and drops its database. */
export function startTestServer(options: TestServerOptions = {}) {
  return withSeededDatabase(async (database) => {
    const queuePrefix = options.queuePrefix ?? `test-${randomUUID()}`;
    const secrets = runSecrets();
    const env = defined({
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: await freePort(),
      DATABASE_URL: database.url,
      // Cloned from a migrated template: nothing to apply.
      MIGRATE_ON_START: "false",
      JWT_SECRET: secrets.jwtSecret,
      CURSOR_SECRET: secrets.cursorSecret,
      LOG_LEVEL: "warn",
      WEB_DIST: options.webDist ?? join(tmpdir(), `fieldsync-no-web-${randomUUID()}`),
      BODY_LIMIT_BYTES: options.bodyLimit,
      SYNC_INLINE_MAX_CHANGES: options.inlineMaxChanges ?? limits.maxChangesPerPush,
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: queuePrefix,
      MAX_DEVICES_PER_USER: options.maxDevicesPerUser,
      SYNC_PUSH_CONCURRENCY: options.pushGate?.slots,
      SYNC_PUSH_QUEUE_LENGTH: options.pushGate?.queueLength,
      SYNC_PUSH_QUEUE_WAIT_MS: options.pushGate?.maxWaitMs,
      SYNC_PUSH_EXPRESS_SLOTS: options.pushGate && (options.pushGate.expressSlots ?? 0),
      // Tests drive one device far faster than a phone does. Tests of the limit set their own.
      SYNC_RATE_LIMIT_MAX: 1_000_000,
      ...options.env,
    });
    const server = await startServerProcess(join(options.root ?? repoRoot, "apps/server"), ["--import", "tsx", "src/main.ts"], env);
    return {
      url: server.url,
      db: database.db,
      databaseUrl: database.url,
      queuePrefix,
      /** The server's signing keys, for tests that forge tokens or cursors. */
      secrets,
      /** Everything the process printed, for failure messages. */
      output: server.output,
      ...sessionClient(fetchTransport(server.url)),
      stop: async () => {
        await server.stop();
        await database.drop();
      },
    };
  });
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
