import { SignJWT, UnsecuredJWT } from "jose";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { ApiConfig } from "../config.ts";
import { signAccessToken, verifyAccessToken } from "./jwt.ts";

const config: ApiConfig = {
  jwtSecret: "a".repeat(40),
  jwtIssuer: "fieldsync",
  jwtAudience: "fieldsync-api",
  jwtTtlSeconds: 60,
  refreshTtlSeconds: 3600,
  loginMaxAttempts: 5,
  loginWindowSeconds: 900,
  cursorSecret: "b".repeat(40),
  maxDevicesPerUser: 20,
  inlineMaxChanges: 200,
};
const claims = { sub: "user-1", orgId: "org-1", role: "TECHNICIAN" as const, deviceId: "phone-1", sessionId: "family-1" };
const key = (secret: string) => new TextEncoder().encode(secret);

const forge = (mutate: (jwt: SignJWT) => SignJWT, secret = config.jwtSecret, alg = "HS256") =>
  mutate(new SignJWT({ orgId: "org-1", role: "ADMIN", did: "phone-1", sid: "family-1" }).setProtectedHeader({ alg }).setSubject("user-1")).sign(key(secret));

describe("access tokens", () => {
  test("a token we signed verifies to its claims", async () => {
    const verified = await verifyAccessToken(config, await signAccessToken(config, claims));
    expect(verified).toEqual({ ...claims, exp: expect.any(Number) });
    // Its expiry is the configured lifetime from now (streams end there).
    expect(verified!.exp! - Date.now() / 1000).toBeGreaterThan(config.jwtTtlSeconds - 5);
    expect(verified!.exp! - Date.now() / 1000).toBeLessThanOrEqual(config.jwtTtlSeconds);
  });

  test("alg none, another algorithm, a wrong key, expiry, issuer and audience are all refused", async () => {
    const valid = (jwt: SignJWT) => jwt.setIssuer("fieldsync").setAudience("fieldsync-api").setExpirationTime("1m");
    const unsigned = new UnsecuredJWT({ orgId: "org-1", role: "ADMIN" }).setSubject("user-1").setIssuer("fieldsync").setAudience("fieldsync-api").setExpirationTime("1m").encode();
    const attacks = [
      unsigned,
      await forge(valid, config.jwtSecret, "HS512"),
      await forge(valid, "c".repeat(40)),
      await forge((jwt) => jwt.setIssuer("fieldsync").setAudience("fieldsync-api").setExpirationTime(Math.floor(Date.now() / 1000) - 10)),
      await forge((jwt) => jwt.setIssuer("evil").setAudience("fieldsync-api").setExpirationTime("1m")),
      await forge((jwt) => jwt.setIssuer("fieldsync").setAudience("other").setExpirationTime("1m")),
      await forge((jwt) => jwt.setIssuer("fieldsync").setAudience("fieldsync-api")),
      "not.a.jwt",
    ];
    for (const token of attacks) expect(await verifyAccessToken(config, token)).toBeNull();
    expect(await verifyAccessToken(config, await forge(valid))).not.toBeNull();
  });

  afterEach(() => vi.useRealTimers());

  test("a token verified before is still refused once expired, and under another secret, issuer or audience", async () => {
    const token = await signAccessToken(config, claims);
    expect(await verifyAccessToken(config, token)).not.toBeNull();
    for (const other of [{ jwtSecret: "c".repeat(40) }, { jwtIssuer: "evil" }, { jwtAudience: "other" }]) {
      expect(await verifyAccessToken({ ...config, ...other }, token)).toBeNull();
    }
    vi.useFakeTimers({ now: Date.now() + (config.jwtTtlSeconds + 1) * 1000 });
    expect(await verifyAccessToken(config, token)).toBeNull();
  });
});
