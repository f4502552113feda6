import { createHash, randomBytes, randomUUID } from "node:crypto";
import { type Db, inTransaction, type Tx, type User } from "@fieldsync/db";
import type { LoginResponse } from "@fieldsync/schema";
import type { ApiConfig } from "../config.ts";
import { fail, unauthorizedMessage } from "../errors.ts";
import { signAccessToken } from "../session/jwt.ts";

// Refresh tokens are opaque random strings; only their SHA-256 is stored, so a database leak
// does not hand out sessions. Each one is single-use: refreshing rotates it within its family,
// and presenting an already rotated (or revoked) token revokes the whole family, cutting off
// whoever else holds a copy (RFC 6819 5.2.2.3, OAuth 2.0 Security BCP 4.14).

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

type SessionUser = Pick<User, "id" | "orgId" | "email" | "name" | "role">;

/**
 * A new access token plus a refresh token in `familyId` (a new family at login), both bound to
 * `deviceId`: the access token carries the device and the family (`did`, `sid` claims).
 */
export async function issueSession(tx: Tx | Db, config: ApiConfig, user: SessionUser, deviceId: string, familyId: string = randomUUID()): Promise<LoginResponse> {
  const refreshToken = randomBytes(32).toString("base64url");
  await tx.refreshToken.create({
    data: {
      userId: user.id,
      familyId,
      deviceId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + config.refreshTtlSeconds * 1000),
    },
  });
  return {
    token: await signAccessToken(config, { sub: user.id, orgId: user.orgId, role: user.role, deviceId, sessionId: familyId }),
    expiresIn: config.jwtTtlSeconds,
    refreshToken,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, orgId: user.orgId },
  };
}

const revokeFamily = (tx: Tx, familyId: string) =>
  tx.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });

/**
 * Exchanges a refresh token for a new pair. Every failure (unknown, expired, reused, revoked,
 * presented for another device, device revoked, user deactivated) is the same 401. Reuse
 * detection commits even though the call fails.
 */
export async function refreshSession(db: Db, config: ApiConfig, refreshToken: string, deviceId: string): Promise<LoginResponse> {
  const session = await inTransaction(db, async (tx) => {
    const row = await tx.refreshToken.findUnique({ where: { tokenHash: hashToken(refreshToken) } });
    if (!row || row.deviceId !== deviceId) return null;
    if (row.rotatedAt || row.revokedAt) {
      await revokeFamily(tx, row.familyId);
      return null;
    }
    if (row.expiresAt.getTime() <= Date.now()) return null;
    // The conditional update is the claim: of two concurrent refreshes with one token, the second
    // blocks on the row, then finds it rotated, which is reuse.
    const claim = await tx.refreshToken.updateMany({
      where: { id: row.id, rotatedAt: null, revokedAt: null },
      data: { rotatedAt: new Date() },
    });
    if (claim.count !== 1) {
      await revokeFamily(tx, row.familyId);
      return null;
    }
    const user = await tx.user.findUnique({ where: { id: row.userId } });
    // FOR SHARE: a revocation of the device in flight either commits first (and is seen here) or
    // waits for this refresh and then revokes the family including the token issued here.
    const [device] = user
      ? await tx.$queryRaw<{ userId: string; isActive: boolean }[]>`
          SELECT "userId", "isActive" FROM "SyncClient" WHERE "orgId" = ${user.orgId} AND "deviceId" = ${deviceId} FOR SHARE`
      : [];
    if (!user?.isActive || (device && (device.userId !== user.id || !device.isActive))) {
      await revokeFamily(tx, row.familyId);
      return null;
    }
    return issueSession(tx, config, user, deviceId, row.familyId);
  });
  return session ?? fail("UNAUTHORIZED", unauthorizedMessage);
}
