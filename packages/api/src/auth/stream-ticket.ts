import { createHash, randomBytes } from "node:crypto";
import type { Db } from "@fieldsync/db";
import type { StreamTicketResponse } from "@fieldsync/schema";
import type { AuthSession, AuthUser } from "../context.ts";
import { loadSession } from "../session/session.ts";

// Event streams are opened by EventSource, which cannot send an Authorization header. Rather than
// an access token in the URL (where proxies and request logs keep it), the app exchanges its
// bearer token for a ticket: random, stored only as its SHA-256, valid for `ticketTtlSeconds`
// and for one use, on any server process (the table is shared).

const ticketTtlSeconds = 30;
const hashTicket = (ticket: string) => createHash("sha256").update(ticket).digest("hex");

/** A ticket for the caller's own device; the stream it opens ends when the access token would. */
export async function issueStreamTicket(db: Db, user: AuthUser, session: AuthSession): Promise<StreamTicketResponse> {
  const ticket = randomBytes(32).toString("base64url");
  const now = Date.now();
  await db.streamTicket.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
  await db.streamTicket.create({
    data: {
      ticketHash: hashTicket(ticket),
      userId: user.id,
      orgId: user.orgId,
      deviceId: session.deviceId,
      familyId: session.sessionId,
      expiresAt: new Date(now + ticketTtlSeconds * 1000),
      streamUntil: session.expiresAt,
    },
  });
  return { ticket, expiresIn: ticketTtlSeconds };
}

/** Who a spent ticket lets in; the stream ends at `session.expiresAt` at the latest (`event: reauth`). */
export interface StreamGrant {
  user: AuthUser;
  session: AuthSession;
}

/**
 * Spends a ticket: null when it is unknown, used, expired, or its session no longer holds (user
 * deactivated, device or session revoked since it was issued). Deleting is the claim, so of two
 * uses only one gets the row.
 */
export async function consumeStreamTicket(db: Db, ticket: string): Promise<StreamGrant | null> {
  const [row] = await db.$queryRaw<{ userId: string; orgId: string; deviceId: string; familyId: string; expiresAt: Date; streamUntil: Date }[]>`
    DELETE FROM "StreamTicket" WHERE "ticketHash" = ${hashTicket(ticket)}
    RETURNING "userId", "orgId", "deviceId", "familyId", "expiresAt", "streamUntil"`;
  if (!row || row.expiresAt.getTime() <= Date.now()) return null;
  const user = await loadSession(db, { sub: row.userId, orgId: row.orgId, deviceId: row.deviceId, sessionId: row.familyId });
  return user && { user, session: { deviceId: row.deviceId, sessionId: row.familyId, expiresAt: row.streamUntil } };
}
