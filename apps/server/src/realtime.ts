import {
  type AuthUser,
  type StreamGrant,
  type ChangeNotifier,
  type ChangeNudge,
  type Deps,
  type DeviceRevocation,
  type RangeEnds,
  consumeStreamTicket,
  createContextInner,
  tokenAtRangeEnd,
  nudgeFor,
  redisChannels,
} from "@fieldsync/api";
import { type ErrorBody, type SyncEvent, errorCodes } from "@fieldsync/schema";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { defaultStreamLimits } from "./env.ts";

interface Subscriber {
  orgId: string;
  userId: string;
  deviceId: string;
  send(nudge: ChangeNudge): void;
  /** Ends the stream (its device was revoked). */
  close(): void;
}

/** Open streams allowed on one process; beyond either, a new stream is 429 STREAM_LIMIT_REACHED. */
export interface StreamLimits {
  perUser: number;
  perDevice: number;
}


/**
 * Fans nudges out to this process's SSE clients, and closes the streams of revoked devices.
 * Every server process subscribes to both Redis channels, so a push handled by any process (or
 * applied by the worker) reaches every device, and a revocation ends the device's streams on
 * every process.
 */
export class NudgeHub {
  private readonly subscribers = new Set<Subscriber>();

  /** Whether one more stream of this user's device stays within `limits` (check, then `add` without awaiting). */
  admits(user: Pick<AuthUser, "id" | "orgId">, deviceId: string, limits: StreamLimits) {
    let ofUser = 0;
    let ofDevice = 0;
    for (const other of this.subscribers) {
      if (other.orgId !== user.orgId || other.userId !== user.id) continue;
      ofUser++;
      if (other.deviceId === deviceId) ofDevice++;
    }
    return ofUser < limits.perUser && ofDevice < limits.perDevice;
  }

  add(subscriber: Subscriber) {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  deliver = (nudge: ChangeNudge) => {
    for (const subscriber of this.subscribers) if (subscriber.orgId === nudge.orgId) subscriber.send(nudge);
  };

  revoke = (revocation: DeviceRevocation) => {
    for (const subscriber of [...this.subscribers]) {
      if (subscriber.orgId === revocation.orgId && subscriber.deviceId === revocation.deviceId) subscriber.close();
    }
  };

  get size() {
    return this.subscribers.size;
  }

  /**
   * Listens to the deployment's channels (`prefix`) on `connection` (which becomes a
   * subscriber-only connection); resolves once subscribed
   * (or at once if subscribing fails: ioredis subscribes again on its next reconnect).
   */
  listen(connection: Redis, prefix: string): Promise<void> {
    const channels = redisChannels(prefix);
    const subscribed = connection.subscribe(channels.changes, channels.revocations).then(() => undefined, () => undefined);
    connection.on("message", (channel: string, message: string) => {
      try {
        if (channel === channels.revocations) this.revoke(JSON.parse(message) as DeviceRevocation);
        else this.deliver(JSON.parse(message) as ChangeNudge);
      } catch {
        // A malformed message on our channel is dropped; streams also end at their token's expiry.
      }
    });
    return subscribed;
  }
}

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

/**
 * What a stream sends of a nudge: "plain" (the range's ends only: a device past them knows it has
 * them, others pull), "range" (also the range's changes and the token at its end, for a device
 * without a subscription) and "preview" (also the pushed changes the range does not hold yet, for
 * such a device that did not push them).
 */
type FrameKind = "plain" | "range" | "preview";

/** SSE frames of a nudge, serialized once per kind however many devices listen. */
const frames = new WeakMap<ChangeNudge, Partial<Record<FrameKind, string>>>();
function frameOf(nudge: ChangeNudge, kind: FrameKind, cursorSecret: string): string {
  const cached = frames.get(nudge) ?? {};
  frames.set(nudge, cached);
  const { originClientId: _, changes, range, ...plain } = nudge;
  const token = kind !== "plain" && range?.changes ? tokenAtRangeEnd(cursorSecret, nudge.orgId, range) : null;
  const event: SyncEvent = {
    ...plain,
    ...(kind === "preview" && changes && { changes }),
    ...(range && { range: token ? { ...range, syncToken: token } : { from: range.from, to: range.to } }),
  };
  return (cached[kind] ??= `id: ${event.position}\nevent: changes\ndata: ${JSON.stringify(event)}\n\n`);
}

const heartbeatMs = 15_000;
/** A client that has not drained its buffer for this long is too slow: it is disconnected. */
const stuckMs = 30_000;

/**
 * GET /api/sync/events: a Server-Sent Events stream telling the device "your organization has
 * new changes" (`event: changes`, data `SyncEvent`) so it pulls at once. Small pushes of other
 * devices come with their changes when the device names itself (`?deviceId=`), which it can show
 * before it pulls (none for a device with a subscription: the stream cannot tell what is in its
 * scope). The stream belongs to the caller's device (the token's or ticket's; `?deviceId=` must
 * name that one); it ends with
 * `event: reauth` when the access token behind it expires, and is closed at once when the device
 * is revoked. Streams per user and per device are capped (`limits`).
 * A slow reader never blocks the server: while its socket buffer is full, nudges coalesce into
 * one without data, and a reader stuck for 30 s is dropped.
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
    const withData = named !== undefined && (!device || device.subscription === null);
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
    let pending: ChangeNudge | null = null;
    let blockedSince: number | null = null;
    const write = (text: string) => {
      if (raw.writableNeedDrain) {
        blockedSince ??= Date.now();
        if (Date.now() - blockedSince > stuckMs) raw.destroy();
        return false;
      }
      blockedSince = null;
      raw.write(text);
      return true;
    };
    const frame = (nudge: ChangeNudge) =>
      frameOf(nudge, !withData ? "plain" : nudge.originClientId === device?.id ? "range" : "preview", deps.config.cursorSecret);
    const remove = hub.add({
      orgId,
      userId: user.id,
      deviceId: session.deviceId,
      send: (nudge) => {
        if (!write(frame(nudge))) pending = nudge;
      },
      close: () => raw.end(),
    });
    // A coalesced nudge goes out without data: the device missed the earlier ones, so it pulls.
    raw.on("drain", () => {
      if (pending && write(frameOf(pending, "plain", deps.config.cursorSecret))) pending = null;
    });
    write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ orgId })}\n\n`);
    const heartbeat = setInterval(() => write(": ping\n\n"), heartbeatMs);
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
