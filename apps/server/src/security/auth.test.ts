// Authentication attacks against the real app: forged and expired access tokens, refresh token
// theft and replay, password guessing, and users who lose access. Each attack also proves that
// nothing was written.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create } from "@fieldsync/testing/changes";
import { users } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "../test-kit.ts";
import { forgeToken, nowSeconds, tableCounts, tamperClaims, unsignedToken } from "@fieldsync/testing/attack-kit";

let api: Api;
beforeAll(async () => {
  api = await setupApi({ loginMaxAttempts: 3, loginWindowSeconds: 600 });
});
afterAll(() => api.close());

const genericUnauthorized = { statusCode: 401, code: "UNAUTHORIZED", message: "Authentication failed" };

/** Sessions below are opened on this device; refreshing names it too. */
const deviceId = "auth-phone";

const login = (email: string, password = "fieldsync-demo", remoteAddress = "127.0.0.1") =>
  api.app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password, deviceId }, remoteAddress });

const refresh = (refreshToken: string) => api.call(null, "POST", "/api/auth/refresh", { refreshToken, deviceId });

/** A push that would create an asset; used as the probe for every token attack. */
const pushWith = (token: string, transport: "rest" | "trpc") =>
  api.app.inject({
    method: "POST",
    url: transport === "rest" ? "/api/sync" : "/trpc/sync.push",
    headers: { authorization: `Bearer ${token}` },
    payload: { deviceId: "attacker-phone", changes: [create(randomUUID(), { name: "Forged" })] },
  });

describe("forged and stale access tokens are one generic 401, and write nothing", () => {
  test.each([
    ["alg none", (sub: string) => unsignedToken({ sub, orgId: "x", role: "ADMIN", iss: "fieldsync", aud: "fieldsync-api", exp: nowSeconds() + 60 })],
    ["another algorithm (HS512) with the right key", (sub: string) => forgeToken({ secret: api.config.jwtSecret, alg: "HS512", sub, issuer: api.config.jwtIssuer, audience: api.config.jwtAudience, exp: nowSeconds() + 60 })],
    ["a wrong key", (sub: string) => forgeToken({ secret: "x".repeat(40), sub, issuer: api.config.jwtIssuer, audience: api.config.jwtAudience, exp: nowSeconds() + 60 })],
    ["expired", (sub: string) => forgeToken({ secret: api.config.jwtSecret, sub, issuer: api.config.jwtIssuer, audience: api.config.jwtAudience, exp: nowSeconds() - 5 })],
    ["no expiry", (sub: string) => forgeToken({ secret: api.config.jwtSecret, sub, issuer: api.config.jwtIssuer, audience: api.config.jwtAudience })],
    ["wrong audience", (sub: string) => forgeToken({ secret: api.config.jwtSecret, sub, issuer: api.config.jwtIssuer, audience: "another-api", exp: nowSeconds() + 60 })],
    ["wrong issuer", (sub: string) => forgeToken({ secret: api.config.jwtSecret, sub, issuer: "evil", audience: api.config.jwtAudience, exp: nowSeconds() + 60 })],
    ["not a JWT", () => Promise.resolve("garbage")],
  ])("%s", async (_name, make) => {
    const user = await api.db.user.findUniqueOrThrow({ where: { email: users.tech1 } });
    const token = await make(user.id);
    const before = await tableCounts(api.db);
    const rest = await pushWith(token, "rest");
    expect(rest.statusCode).toBe(401);
    expect(rest.json()).toEqual(genericUnauthorized);
    const trpc = await pushWith(token, "trpc");
    expect(trpc.statusCode).toBe(401);
    expect(trpc.json().error.data).toMatchObject(genericUnauthorized);
    expect(await tableCounts(api.db)).toEqual(before);
  });

  test("a valid token with its claims edited (role escalation, another org) fails its signature", async () => {
    const token = await api.token("tech1");
    const user = await api.db.user.findUniqueOrThrow({ where: { email: users.tech1 } });
    const edited = tamperClaims(token, { sub: user.id, orgId: user.orgId, role: "ADMIN", iss: api.config.jwtIssuer, aud: api.config.jwtAudience, exp: nowSeconds() + 600 });
    expect((await api.app.inject({ method: "GET", url: "/api/audit", headers: { authorization: `Bearer ${edited}` } })).statusCode).toBe(401);
  });

  test("a correctly signed token whose orgId no longer matches the user is refused", async () => {
    const user = await api.db.user.findUniqueOrThrow({ where: { email: users.tech1 } });
    const globex = await api.db.user.findUniqueOrThrow({ where: { email: users.globex } });
    const token = await forgeToken({ secret: api.config.jwtSecret, sub: user.id, claims: { orgId: globex.orgId, role: "TECHNICIAN" }, issuer: api.config.jwtIssuer, audience: api.config.jwtAudience, exp: nowSeconds() + 60 });
    expect((await pushWith(token, "rest")).statusCode).toBe(401);
  });
});

describe("login", () => {
  test("answers {token, expiresIn, refreshToken, user}; access tokens are short-lived", async () => {
    const response = await login(users.tech2);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ token: expect.any(String), expiresIn: 900, refreshToken: expect.any(String), user: expect.objectContaining({ email: users.tech2 }) });
    const [, payload] = body.token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    expect(claims.exp - claims.iat).toBe(900);
    expect(await api.db.refreshToken.count({ where: { tokenHash: body.refreshToken } })).toBe(0);
  });

  test("a wrong password, an unknown email and a deactivated user all get the same 401", async () => {
    await api.db.user.update({ where: { email: users.tech2 }, data: { isActive: false } });
    const answers = await Promise.all([
      login(users.tech1, "wrong-password", "10.0.0.1"),
      login("nobody@northwind.test", "wrong-password", "10.0.0.1"),
      login(users.tech2, "fieldsync-demo", "10.0.0.1"),
    ]);
    await api.db.user.update({ where: { email: users.tech2 }, data: { isActive: true } });
    for (const answer of answers) {
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toEqual(genericUnauthorized);
    }
  });

  test("guessing is throttled per email and IP with 429 and Retry-After; other IPs and emails are unaffected", async () => {
    const attacker = "203.0.113.9";
    const before = await api.db.refreshToken.count();
    for (let i = 0; i < 3; i++) expect((await login(users.admin, `guess-${i}`, attacker)).statusCode).toBe(401);
    const blocked = await login(users.admin, "fieldsync-demo", attacker);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ statusCode: 429, code: "RATE_LIMITED" });
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(blocked.headers["retry-after"])).toBeLessThanOrEqual(600);
    expect(await api.db.refreshToken.count()).toBe(before);
    expect((await login(users.admin, "fieldsync-demo", "198.51.100.7")).statusCode).toBe(200);
    expect((await login(users.tech1, "fieldsync-demo", attacker)).statusCode).toBe(200);
    const trpc = await api.app.inject({ method: "POST", url: "/trpc/auth.login", payload: { email: users.admin, password: "x", deviceId }, remoteAddress: attacker });
    expect(trpc.statusCode).toBe(429);
    expect(Number(trpc.headers["retry-after"])).toBeGreaterThan(0);
  });

  test("a successful login resets the count", async () => {
    const ip = "192.0.2.44";
    for (let i = 0; i < 2; i++) await login(users.tech1, "nope", ip);
    expect((await login(users.tech1, "fieldsync-demo", ip)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login(users.tech1, "nope", ip)).statusCode).toBe(401);
  });
});

describe("refresh tokens", () => {
  const session = async () => (await login(users.tech1, "fieldsync-demo", "192.0.2.200")).json() as { token: string; refreshToken: string };

  test("a refresh rotates the pair; the new access token works", async () => {
    const first = await session();
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ token: expect.any(String), expiresIn: 900, refreshToken: expect.any(String), user: { email: users.tech1 } });
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const status = await api.app.inject({ method: "GET", url: "/api/sync/status", headers: { authorization: `Bearer ${second.body.token}` } });
    expect(status.statusCode).toBe(200);
    const trpc = await api.app.inject({ method: "POST", url: "/trpc/auth.refresh", payload: { refreshToken: second.body.refreshToken, deviceId } });
    expect(trpc.json().result.data).toMatchObject({ refreshToken: expect.any(String) });
  });

  test("replaying a rotated token revokes the whole family, including the thief's or owner's newer token", async () => {
    const first = await session();
    const second = await refresh(first.refreshToken);
    const replay = await refresh(first.refreshToken);
    expect(replay).toEqual({ status: 401, body: genericUnauthorized });
    expect(await refresh(second.body.refreshToken)).toEqual({ status: 401, body: genericUnauthorized });
    const rows = await api.db.refreshToken.findMany({ where: { userId: second.body.user.id } });
    const family = rows.filter((row) => row.familyId === rows.find((r) => r.rotatedAt && r.revokedAt)?.familyId);
    expect(family.length).toBeGreaterThanOrEqual(2);
    expect(family.every((row) => row.revokedAt !== null)).toBe(true);
  });

  test("another session of the same user survives a revoked family", async () => {
    const stolen = await session();
    const other = await session();
    await refresh(stolen.refreshToken);
    await refresh(stolen.refreshToken);
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  test("two concurrent refreshes with one token: at most one succeeds, and the family is revoked", async () => {
    const first = await session();
    const answers = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
    for (const answer of answers.filter((a) => a.status === 200)) {
      expect((await refresh(answer.body.refreshToken)).status).toBe(401);
    }
  });

  test("unknown, malformed, expired and access-token-as-refresh-token are one generic 401 and issue nothing", async () => {
    const expired = await session();
    await api.db.refreshToken.updateMany({ where: { rotatedAt: null, revokedAt: null, createdAt: { gte: new Date(Date.now() - 5000) } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await tableCounts(api.db);
    for (const token of ["x".repeat(43), expired.refreshToken, expired.token.slice(0, 256)]) {
      expect(await refresh(token)).toEqual({ status: 401, body: genericUnauthorized });
    }
    expect((await refresh("")).status).toBe(400);
    expect((await api.call(null, "POST", "/api/auth/refresh", { refreshToken: "abc", userId: "x" })).status).toBe(400);
    expect(await tableCounts(api.db)).toEqual(before);
  });

  test("a deactivated user can neither use an access token nor refresh", async () => {
    const live = await session();
    await api.db.user.update({ where: { email: users.tech1 }, data: { isActive: false } });
    try {
      const before = await tableCounts(api.db);
      expect((await pushWith(live.token, "rest")).statusCode).toBe(401);
      expect(await refresh(live.refreshToken)).toEqual({ status: 401, body: genericUnauthorized });
      expect(await tableCounts(api.db)).toEqual(before);
    } finally {
      await api.db.user.update({ where: { email: users.tech1 }, data: { isActive: true } });
    }
    expect((await refresh(live.refreshToken)).status).toBe(401);
  });

  test("a user moved to another organization loses access with the old token", async () => {
    const live = await session();
    const user = await api.db.user.findUniqueOrThrow({ where: { email: users.tech1 } });
    const globex = await api.db.user.findUniqueOrThrow({ where: { email: users.globex } });
    await api.db.user.update({ where: { id: user.id }, data: { orgId: globex.orgId } });
    try {
      expect((await pushWith(live.token, "rest")).statusCode).toBe(401);
    } finally {
      await api.db.user.update({ where: { id: user.id }, data: { orgId: user.orgId } });
    }
  });
});
