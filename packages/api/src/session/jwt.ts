import { webcrypto } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import type { Role } from "@fieldsync/schema";
import type { ApiConfig } from "../config.ts";

export interface AccessClaims {
  sub: string;
  orgId: string;
  role: Role;
  /** The device the session was opened on: the token is valid for its requests only. */
  deviceId: string;
  /** The refresh token family (one login on one device): revoking it ends this token at once. */
  sessionId: string;
}

export interface VerifiedClaims extends AccessClaims {
  /** Expiry (seconds since the epoch); long-lived streams end there. */
  exp: number;
}

/**
 * The secret imported once per process: given raw bytes, jose imports a WebCrypto key on every
 * call, which was most of a verification's ~150 µs (34 µs with the key kept).
 */
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
function key(secret: string): Promise<webcrypto.CryptoKey> {
  let imported = keys.get(secret);
  if (!imported) {
    imported = webcrypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, imported);
  }
  return imported;
}

export async function signAccessToken(config: ApiConfig, claims: AccessClaims): Promise<string> {
  return new SignJWT({ orgId: claims.orgId, role: claims.role, did: claims.deviceId, sid: claims.sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(config.jwtIssuer)
    .setAudience(config.jwtAudience)
    .setIssuedAt()
    .setExpirationTime(`${config.jwtTtlSeconds}s`)
    .sign(await key(config.jwtSecret));
}

/**
 * Tokens verified before, per secret, issuer and audience: a device sends the same token with
 * every request until it refreshes (twice per request: rate limit and context), and verifying
 * it again was 8 % of a busy server. Bounded; a hit still checks the expiry.
 */
const verified = new Map<string, Map<string, VerifiedClaims>>();
const maxVerified = 10_000;

/** Null for anything but a valid, unexpired HS256 token of our issuer and audience. */
export async function verifyAccessToken(config: ApiConfig, token: string): Promise<VerifiedClaims | null> {
  const verifier = `${config.jwtSecret} ${config.jwtIssuer} ${config.jwtAudience}`;
  const known = verified.get(verifier) ?? new Map<string, VerifiedClaims>();
  verified.set(verifier, known);
  const hit = known.get(token);
  if (hit) {
    if (hit.exp * 1000 > Date.now()) return hit;
    known.delete(token);
    return null;
  }
  const claims = await verifyOnce(config, token);
  if (claims) {
    if (known.size >= maxVerified) known.delete(known.keys().next().value!);
    known.set(token, Object.freeze(claims));
  }
  return claims;
}

async function verifyOnce(config: ApiConfig, token: string): Promise<VerifiedClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await key(config.jwtSecret), {
      algorithms: ["HS256"],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      requiredClaims: ["sub", "exp"],
    });
    const { sub, orgId, did, sid, exp } = payload;
    if (typeof sub !== "string" || typeof orgId !== "string" || typeof did !== "string" || typeof sid !== "string" || exp === undefined) return null;
    return { sub, orgId, role: payload.role as Role, deviceId: did, sessionId: sid, exp };
  } catch {
    return null;
  }
}
