// Helpers shared by the adversarial suites: what "nothing was written" means, and forged tokens.
import type { Db } from "@fieldsync/db";
import { SignJWT } from "jose";

/** Row counts of every table an attack could write to. Compare before and after. */
export async function tableCounts(db: Db) {
  const [assets, tasks, schedules, metadata, changeLog, clients, queue, runs, conflicts, audit, refreshTokens, users] = await Promise.all([
    db.asset.count(),
    db.task.count(),
    db.schedule.count(),
    db.syncMetadata.count(),
    db.changeLog.count(),
    db.syncClient.count(),
    db.syncQueue.count(),
    db.syncRun.count(),
    db.syncConflict.count(),
    db.auditLog.count(),
    db.refreshToken.count(),
    db.user.count(),
  ]);
  return { assets, tasks, schedules, metadata, changeLog, clients, queue, runs, conflicts, audit, refreshTokens, users };
}

/** Everything the database holds for an organization's synced data, to prove nothing changed. */
export async function orgFingerprint(db: Db, orgId: string) {
  const [metadata, clients, conflicts] = await Promise.all([
    db.syncMetadata.findMany({ where: { orgId }, orderBy: { entityId: "asc" }, select: { entityId: true, version: true, checksum: true, deletedAt: true } }),
    db.syncClient.findMany({ where: { orgId }, orderBy: { deviceId: "asc" }, select: { deviceId: true, isActive: true, userId: true, label: true } }),
    db.syncConflict.findMany({ where: { orgId }, orderBy: { id: "asc" }, select: { id: true, resolvedAt: true } }),
  ]);
  return { metadata, clients, conflicts };
}

export interface ForgeOptions {
  secret: string;
  alg?: string;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch; omitted: no exp claim at all. */
  exp?: number;
  claims?: Record<string, unknown>;
  sub: string;
}

export const forgeToken = (o: ForgeOptions) => {
  let jwt = new SignJWT({ ...o.claims }).setProtectedHeader({ alg: o.alg ?? "HS256", typ: "JWT" }).setSubject(o.sub).setIssuedAt();
  if (o.issuer) jwt = jwt.setIssuer(o.issuer);
  if (o.audience) jwt = jwt.setAudience(o.audience);
  if (o.exp !== undefined) jwt = jwt.setExpirationTime(o.exp);
  return jwt.sign(new TextEncoder().encode(o.secret));
};

/** `alg: none`: header and claims, empty signature. */
export const unsignedToken = (claims: Record<string, unknown>) => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
};

/** Same header and signature, claims swapped: a signature that does not match. */
export const tamperClaims = (token: string, claims: Record<string, unknown>) => {
  const [header, , signature] = token.split(".");
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
};

export const nowSeconds = () => Math.floor(Date.now() / 1000);
