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

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signAccessToken(config: ApiConfig, claims: AccessClaims): Promise<string> {
  return new SignJWT({ orgId: claims.orgId, role: claims.role, did: claims.deviceId, sid: claims.sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(config.jwtIssuer)
    .setAudience(config.jwtAudience)
    .setIssuedAt()
    .setExpirationTime(`${config.jwtTtlSeconds}s`)
    .sign(key(config.jwtSecret));
}

/** Null for anything but a valid, unexpired HS256 token of our issuer and audience. */
export async function verifyAccessToken(config: ApiConfig, token: string): Promise<VerifiedClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key(config.jwtSecret), {
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
