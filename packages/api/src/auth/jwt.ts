import { SignJWT, jwtVerify } from "jose";
import type { Role } from "@fieldsync/schema";
import type { ApiConfig } from "../config.ts";

export interface AccessClaims {
  sub: string;
  orgId: string;
  role: Role;
  /** Expiry (seconds since the epoch) of a verified token; long-lived streams end there. */
  exp?: number;
}

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signAccessToken(config: ApiConfig, claims: AccessClaims): Promise<string> {
  return new SignJWT({ orgId: claims.orgId, role: claims.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(config.jwtIssuer)
    .setAudience(config.jwtAudience)
    .setIssuedAt()
    .setExpirationTime(`${config.jwtTtlSeconds}s`)
    .sign(key(config.jwtSecret));
}

/** Null for anything but a valid, unexpired HS256 token of our issuer and audience. */
export async function verifyAccessToken(config: ApiConfig, token: string): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key(config.jwtSecret), {
      algorithms: ["HS256"],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      requiredClaims: ["sub", "exp"],
    });
    if (typeof payload.sub !== "string" || typeof payload.orgId !== "string") return null;
    return { sub: payload.sub, orgId: payload.orgId, role: payload.role as Role, exp: payload.exp };
  } catch {
    return null;
  }
}
