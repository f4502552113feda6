import { signAccessToken } from "@fieldsync/api";
import { createDb } from "@fieldsync/db";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildApp } from "./app.ts";
import { apiConfig } from "./config.ts";
import { loadEnv } from "./env.ts";
import { randomSecrets } from "./secrets.ts";

// A database that does not answer (nothing listens on port 1): every transport says 503 with
// Retry-After and the SERVICE_UNAVAILABLE code, never a 500, so clients keep their changes.
const config = apiConfig(loadEnv({ NODE_ENV: "test" }), randomSecrets());
const db = createDb("postgresql://postgres@127.0.0.1:1/none");
let app: Awaited<ReturnType<typeof buildApp>>;
let token: string;
beforeAll(async () => {
  app = await buildApp({ deps: { db, config, queue: null, cache: null } });
  token = await signAccessToken(config, { sub: "user-1", orgId: "org-1", role: "TECHNICIAN", deviceId: "phone-1", sessionId: "family-1" });
});
afterAll(async () => {
  await app.close();
  await db.$disconnect();
});

const login = { email: "tech1@northwind.test", password: "fieldsync-demo", deviceId: "phone-1" };

test.each([
  ["REST, inside a procedure", "POST", "/api/auth/login", undefined, login],
  ["REST, looking up the caller", "GET", "/api/sync/status", "bearer", undefined],
  ["tRPC, inside a procedure", "POST", "/trpc/auth.login", undefined, login],
  ["tRPC, looking up the caller", "GET", "/trpc/sync.status", "bearer", undefined],
] as const)("%s: 503 + Retry-After", async (_name, method, url, auth, payload) => {
  const response = await app.inject({ method, url, headers: auth ? { authorization: `Bearer ${token}` } : {}, ...(payload && { payload }) });
  expect(response.statusCode).toBe(503);
  expect(response.headers["retry-after"]).toMatch(/^\d+$/);
  const body = response.json();
  // REST: the error body; tRPC: the same body in error.data.
  expect(url.startsWith("/trpc") ? body.error.data.code : body.code).toBe("SERVICE_UNAVAILABLE");
  expect(response.body).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);
});
