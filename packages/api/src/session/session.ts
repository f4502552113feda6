import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { Role } from "@fieldsync/schema";
import { type HorizonColumns, type SessionSyncState, horizonOf } from "../sync/sync-state.ts";

/** The caller, re-read on every request; its organization scopes everything. */
export interface AuthUser {
  id: string;
  orgId: string;
  email: string;
  role: Role;
}

/** Who a token or stream ticket says is calling: user, organization, device and login session. */
export interface SessionClaims {
  sub: string;
  orgId: string;
  deviceId: string;
  sessionId: string;
}

type SessionRow = HorizonColumns & {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  isActive: boolean;
  sessionLive: boolean;
  deviceRowId: string | null;
  deviceUserId: string | null;
  deviceActive: boolean | null;
  deviceName: string | null;
  subscription: unknown;
  resyncRequired: boolean | null;
  rescopeRequired: boolean | null;
};

/**
 * The caller if the session is still good, else null; one query on every request. Good means:
 * the user is active and still in the token's organization, the session (refresh token family)
 * has not been revoked, and the token's device, once registered, is this user's and not revoked.
 * So revoking a device, deactivating a user or detecting refresh token reuse ends access at once,
 * not when the access token expires. Raw SQL on the pg pool: through Prisma, compiling this query
 * on every request was 12 % of a busy server's time.
 */
export async function loadSession(db: Db, claims: SessionClaims): Promise<AuthUser | null> {
  return (await loadSessionWithSyncState(db, claims))?.user ?? null;
}

/**
 * loadSession with the device's sync state (SessionSyncState): the device row is joined for the
 * checks anyway, and the horizon is one primary-key read more in the same statement, where a pull
 * read both again in a statement of its own.
 */
export async function loadSessionWithSyncState(db: Db, claims: SessionClaims): Promise<{ user: AuthUser; syncState: SessionSyncState } | null> {
  const [row] = await sqlPoolOf(db).query<SessionRow>(
    `SELECT u."id", u."orgId", u."email", u."role"::text AS "role", u."isActive",
            EXISTS (SELECT 1 FROM "RefreshToken" r
                    WHERE r."familyId" = $3 AND r."userId" = u."id"
                      AND r."deviceId" = $2 AND r."revokedAt" IS NULL) AS "sessionLive",
            c."id" AS "deviceRowId", c."userId" AS "deviceUserId", c."isActive" AS "deviceActive", c."deviceName",
            c."subscription", c."resyncRequired", c."rescopeRequired",
            h."txid"::text AS "horizonTxid", h."seq"::text AS "horizonSeq", h."before" AS "horizonBefore"
     FROM "User" u
     LEFT JOIN "SyncClient" c ON c."orgId" = u."orgId" AND c."deviceId" = $2
     LEFT JOIN "SyncLogHorizon" h ON h."orgId" = u."orgId"
     WHERE u."id" = $1`,
    [claims.sub, claims.deviceId, claims.sessionId],
  );
  if (!row?.isActive || row.orgId !== claims.orgId || !row.sessionLive) return null;
  if (row.deviceUserId !== null && (row.deviceUserId !== row.id || !row.deviceActive)) return null;
  const device = row.deviceRowId === null ? null : {
    id: row.deviceRowId,
    userId: row.deviceUserId!,
    isActive: row.deviceActive!,
    deviceName: row.deviceName,
    subscription: row.subscription,
    resyncRequired: row.resyncRequired!,
    rescopeRequired: row.rescopeRequired!,
  };
  return { user: { id: row.id, orgId: row.orgId, email: row.email, role: row.role }, syncState: { device, horizon: horizonOf(row) } };
}
