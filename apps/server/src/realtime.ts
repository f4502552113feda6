import {
  type AuthUser,
  type StreamGrant,
  type ChangeNotifier,
  type ChangeNudge,
  type Deps,
  type RangeEnds,
  consumeStreamTicket,
  createContextInner,
  frameOf,
  frameScope,
  nudgeFor,
} from "@fieldsync/api";
import { type ErrorBody, errorCodes, subscriptionSchema } from "@fieldsync/schema";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { defaultStreamLimits } from "./env.ts";
import { NudgeHub, type StreamLimits } from "./nudge-hub.ts";

/** Nudges and revocations for this process's clients only: a single server without Redis (tests, trials). */
export const localNotifier = (db: Deps["db"], hub: NudgeHub, ends: RangeEnds = new Map()): ChangeNotifier => ({
  publish: async (orgId, live) => {
    try {
      hub.deliver(await nudgeFor(db, orgId, live, ends));
    } catch {
      // Best effort, like the Redis notifier: clients still poll.
    }
  },
  deviceRevoked: async (orgId, deviceId) => hub.revoke({ orgId, deviceId }),
});

/**
 * Who opens a stream: `?ticket=` (from POST /api/sync/events/ticket; EventSource cannot send
 * headers) or a bearer token in the Authorization header. Access tokens in the URL are not
 * accepted: URLs end up in logs.
 */
async function streamCaller(deps: Deps, request: FastifyRequest): Promise<StreamGrant | null> {
  const { ticket } = request.query as { ticket?: unknown };
  if (typeof ticket === "string") return consumeStreamTicket(deps.db, ticket);
  const ctx = await createContextInner(deps, request.headers.authorization);
  return ctx.user && ctx.session && { user: ctx.user, session: ctx.session };
}

const refusal = (statusCode: number, code: ErrorBody["code"], message: string): ErrorBody => ({ statusCode, code, message });

const heartbeatMs = 15_000;
/** A client that has not drained its buffer for this long is too slow: it is disconnected. */
const stuckMs = 30_000;

/**
 * GET /api/sync/events: a Server-Sent Events stream telling the device "your organization has
 * new changes" (`event: changes`, data `SyncEvent`) so it pulls at once. Small pushes of other
 * devices come with their changes when the device names itself (`?deviceId=`), which it can show
 * before it pulls, and small ranges with their changes and the token at their end, filtered to
 * the device's subscription as it was when the stream opened (an event with nothing in its scope
 * still moves its token). The stream belongs to the caller's device (the token's or ticket's; `?deviceId=` must
 * name that one); it ends with
 * `event: reauth` when the access token behind it expires, and is closed at once when the device
 * is revoked. Streams per user and per device are capped (`limits`).
 * A slow reader never blocks the server: while its socket buffer is full the hub holds its events
 * (shared with every other such stream) and sends them when it drains; one too far behind gets a
 * plain event instead and pulls, and a reader stuck for 30 s is dropped.
 */
export function registerEvents(app: FastifyInstance, deps: Deps, hub: NudgeHub, limits: StreamLimits = defaultStreamLimits) {
  app.get("/api/sync/events", async (request, reply) => {
    const caller = await streamCaller(deps, request);
    if (!caller) return reply.code(401).send(refusal(401, errorCodes.UNAUTHORIZED, "A valid stream ticket or access token is required"));
    const { user, session } = caller;
    const { deviceId: named } = request.query as { deviceId?: unknown };
    if (named !== undefined && named !== session.deviceId) {
      return reply.code(403).send(refusal(403, errorCodes.DEVICE_MISMATCH, "This stream ticket or token was issued for another device"));
    }
    const orgId = user.orgId;
    const device = await deps.db.syncClient.findFirst({ where: { orgId, deviceId: session.deviceId }, select: { id: true, subscription: true } });
    const subscription = subscriptionSchema.nullable().safeParse(device?.subscription ?? null);
    // A subscription this build cannot read: the device gets plain events and pulls.
    const withData = named !== undefined && subscription.success;
    const scope = frameScope(subscription.data ?? null);
    if (!hub.admits(user, session.deviceId, limits)) {
      const message = `Too many open event streams (at most ${limits.perUser} per user and ${limits.perDevice} per device)`;
      return reply.code(429).send(refusal(429, errorCodes.STREAM_LIMIT_REACHED, message));
    }

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    let blockedSince: number | null = null;
    /** Writes unless the stream has ended; false when its buffer is full (the hub then holds its nudges until "drain"). */
    const write = (text: string | Buffer) => {
      // A fan-out in progress may still reach a stream that has just ended.
      if (raw.writableEnded || raw.destroyed) return true;
      raw.write(text);
      if (!raw.writableNeedDrain) return true;
      blockedSince ??= Date.now();
      return false;
    };
    const frame = (nudge: ChangeNudge) =>
      frameOf(nudge, !withData ? "plain" : nudge.originClientId === device?.id ? "range" : "preview", scope, deps.config.cursorSecret);
    const { remove, drained } = hub.add({
      orgId,
      userId: user.id,
      deviceId: session.deviceId,
      scope,
      send: (nudges) => {
        // Corked, the frames (shared by every stream of the scope) leave in one write, uncopied.
        raw.cork();
        for (const nudge of nudges) write(frame(nudge));
        raw.uncork();
        return !raw.writableNeedDrain;
      },
      // The device missed events the hub no longer holds: a plain one tells it to pull.
      skipped: (newest) => write(frameOf(newest, "plain", scope, deps.config.cursorSecret)),
      close: () => raw.end(),
    });
    raw.on("drain", () => {
      blockedSince = null;
      drained();
    });
    write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ orgId })}\n\n`);
    const heartbeat = setInterval(() => {
      if (!raw.writableNeedDrain) write(": ping\n\n");
      else if (Date.now() - (blockedSince ??= Date.now()) > stuckMs) raw.destroy();
    }, heartbeatMs);
    const expiry = setTimeout(() => {
      write(`event: reauth\ndata: {}\n\n`);
      raw.end();
    }, Math.max(0, session.expiresAt.getTime() - Date.now()));
    raw.on("close", () => {
      clearInterval(heartbeat);
      clearTimeout(expiry);
      remove();
    });
  });
}
