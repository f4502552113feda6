// Shared set-up for the server's integration tests: a fresh seeded database per test file, the
// real Fastify app (exercised with inject), and terse helpers for the sync calls.
import { randomUUID } from "node:crypto";
import { type ApiConfig, type Deps, seedDemoData } from "@fieldsync/api";
import { createTestDatabase } from "@fieldsync/db/testing";
import type { PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { type AppOptions, buildApp } from "./app.ts";
import { apiConfig } from "./config.ts";
import { loadEnv } from "./env.ts";
import { NudgeHub, localNotifier } from "./realtime.ts";
import { randomSecrets } from "./secrets.ts";

export const users = {
  tech1: "tech1@northwind.test",
  tech2: "tech2@northwind.test",
  admin: "admin@northwind.test",
  globex: "tech@globex.test",
} as const;
export type UserName = keyof typeof users;

/** The device a user's requests come from when they name none (e.g. GET /api/sync/status). */
export const kitDevice = (user: UserName) => `kit-${user}`;

/** The device a request body names, if any: a real client sends it with that device's token. */
const namedDevice = (payload: unknown) =>
  typeof payload === "object" && payload !== null && "deviceId" in payload && typeof payload.deviceId === "string" ? payload.deviceId : null;

export const seededAsset = "10000000-0000-4000-8000-000000000001";
export const globexAsset = "10000000-0000-4000-8000-000000000101";

/**
 * The real app over a fresh seeded database, with live events for this process's listeners.
 * `appOptions`: host options such as CORS origins or the sync rate limit (off by default).
 * `background`: a job queue and cache (worker tests); without them pushes run inline only.
 */
export async function setupApi(
  overrides: Partial<ApiConfig> = {},
  appOptions: Omit<AppOptions, "deps"> = {},
  background: Pick<Deps, "queue" | "cache"> = { queue: null, cache: null },
) {
  const database = await createTestDatabase();
  await seedDemoData(database.db);
  // Keys of this run only: nothing signs with a secret from the repository.
  const config = { ...apiConfig(loadEnv({ NODE_ENV: "test" }), randomSecrets()), ...overrides };
  // As in production, pushes announce their changes on the events stream (this process only).
  const hub = new NudgeHub();
  const notifier = localNotifier(database.db, hub);
  const app = await buildApp({ ...appOptions, hub, deps: { db: database.db, config, notifier, ...background } });
  const tokens = new Map<string, string>();

  /**
   * A password login of `user` on `deviceId`: a new session, which `token` and `call` use from
   * then on. Throws unless it succeeds.
   */
  const login = async (user: UserName, deviceId = kitDevice(user)) => {
    const response = await app.inject({ method: "POST", url: "/api/auth/login", payload: { email: users[user], password: "fieldsync-demo", deviceId } });
    if (response.statusCode !== 200) throw new Error(`login of ${user} on ${deviceId} failed: ${response.statusCode} ${response.body}`);
    const session = response.json() as { token: string; refreshToken: string };
    tokens.set(`${user}|${deviceId}`, session.token);
    return session;
  };

  /** The access token of `user`'s session on `deviceId` (logged in on first use). */
  const token = async (user: UserName, deviceId = kitDevice(user)) => tokens.get(`${user}|${deviceId}`) ?? (await login(user, deviceId)).token;

  /** As `user`, with the token of the device the body names (or the user's kit device). */
  const call = async (user: UserName | null, method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown) => {
    const headers = user ? { authorization: `Bearer ${await token(user, namedDevice(payload) ?? kitDevice(user))}` } : undefined;
    const response = await app.inject({ method, url, headers, ...(payload !== undefined && { payload: payload as object }) });
    return { status: response.statusCode, body: response.body ? response.json() : undefined };
  };

  const push = async (user: UserName, deviceId: string, changes: SyncChangeInput[], syncToken?: string) => {
    const response = await call(user, "POST", "/api/sync", { deviceId, changes, ...(syncToken && { syncToken }) });
    if (response.status !== 200) throw new Error(`push failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as PushResponse;
  };

  return {
    app,
    db: database.db,
    databaseUrl: database.url,
    config,
    login,
    token,
    call,
    push,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export type Api = Awaited<ReturnType<typeof setupApi>>;

export const now = () => new Date().toISOString();

export const create = (entityId: string, payload: Record<string, unknown>, type: SyncChangeInput["entityType"] = "asset"): SyncChangeInput => ({
  changeId: randomUUID(),
  entityType: type,
  entityId,
  operation: "CREATE",
  payload,
  clientVersion: 0,
  timestamp: now(),
});

export const update = (entityId: string, clientVersion: number, payload: Record<string, unknown>, type: SyncChangeInput["entityType"] = "asset"): SyncChangeInput => ({
  changeId: randomUUID(),
  entityType: type,
  entityId,
  operation: "UPDATE",
  payload,
  clientVersion,
  timestamp: now(),
});

export const remove = (entityId: string, clientVersion: number, type: SyncChangeInput["entityType"] = "asset"): SyncChangeInput => ({
  changeId: randomUUID(),
  entityType: type,
  entityId,
  operation: "DELETE",
  payload: {},
  clientVersion,
  timestamp: now(),
});
