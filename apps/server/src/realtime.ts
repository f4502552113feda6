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
  frameOf,
  frameScope,
  type FrameScope,
  nudgeFor,
  redisChannels,
} from "@fieldsync/api";
import { type ErrorBody, errorCodes, subscriptionSchema } from "@fieldsync/schema";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { defaultStreamLimits } from "./env.ts";

interface Subscriber {
  orgId: string;
  userId: string;
  deviceId: string;
  /** The device's subscription when its stream opened: its events' data is filtered for it. */
  scope: FrameScope;
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
 * every process. Subscribers are indexed by organization and scope, so an event is filtered
 * once per scope (frames.ts), not once per device.
 */
export class NudgeHub {
  /** orgId → scope key → the organization's streams of that scope. */
  private readonly byOrg = new Map<string, Map<string, Set<Subscriber>>>();
  /** Open streams per `orgId user` and per `orgId user device`. */
  private readonly open = new Map<string, number>();
  private count = 0;

  /** Whether one more stream of this user's device stays within `limits` (check, then `add` without awaiting). */
  admits(user: Pick<AuthUser, "id" | "orgId">, deviceId: string, limits: StreamLimits) {
    const [ofUser, ofDevice] = streamKeys(user.orgId, user.id, deviceId).map((key) => this.open.get(key) ?? 0);
    return ofUser! < limits.perUser && ofDevice! < limits.perDevice;
  }

  add(subscriber: Subscriber) {
    const scopes = this.byOrg.get(subscriber.orgId) ?? new Map<string, Set<Subscriber>>();
    this.byOrg.set(subscriber.orgId, scopes);
    const members = scopes.get(subscriber.scope.key) ?? new Set<Subscriber>();
    scopes.set(subscriber.scope.key, members);
    members.add(subscriber);
    const keys = streamKeys(subscriber.orgId, subscriber.userId, subscriber.deviceId);
    for (const key of keys) this.open.set(key, (this.open.get(key) ?? 0) + 1);
    this.count++;
    return () => {
      if (!members.delete(subscriber)) return;
      this.count--;
      for (const key of keys) {
        const left = this.open.get(key)! - 1;
        if (left === 0) this.open.delete(key);
        else this.open.set(key, left);
      }
      if (members.size === 0) scopes.delete(subscriber.scope.key);
      if (scopes.size === 0) this.byOrg.delete(subscriber.orgId);
    };
  }

  /** Fan-outs not finished yet, oldest first (each stream gets its events in order). */
  private readonly backlog: { nudge: ChangeNudge; subscribers: Subscriber[]; next: number }[] = [];
  private draining = false;

  /**
   * Sends `nudge` to the organization's streams, `fanOutChunk` at a time: between chunks the event
   * loop serves other requests, so 2,000 streams' writes (~20 ms) do not hold up every push and
   * pull of the process at once.
   */
  deliver = (nudge: ChangeNudge) => {
    const subscribers = [...(this.byOrg.get(nudge.orgId)?.values() ?? [])].flatMap((members) => [...members]);
    if (subscribers.length === 0) return;
    this.backlog.push({ nudge, subscribers, next: 0 });
    if (!this.draining) this.drain();
  };

  private drain() {
    this.draining = true;
    for (let budget = fanOutChunk; budget > 0 && this.backlog.length > 0; ) {
      const job = this.backlog[0]!;
      while (budget > 0 && job.next < job.subscribers.length) {
        const subscriber = job.subscribers[job.next++]!;
        budget--;
        try {
          subscriber.send(job.nudge);
        } catch {
          // One stream failing to take a frame (it is closing) must not stop the others' fan-out.
        }
      }
      if (job.next === job.subscribers.length) this.backlog.shift();
    }
    if (this.backlog.length > 0) setImmediate(() => this.drain());
    else this.draining = false;
  }

  revoke = (revocation: DeviceRevocation) => {
    for (const members of this.byOrg.get(revocation.orgId)?.values() ?? []) {
      for (const subscriber of [...members]) if (subscriber.deviceId === revocation.deviceId) subscriber.close();
    }
  };

  get size() {
    return this.count;
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

/** Streams written to before a fan-out hands the event loop back. */
const fanOutChunk = 250;

const streamKeys = (orgId: string, userId: string, deviceId: string) => [`${orgId} ${userId}`, `${orgId} ${userId} ${deviceId}`];

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
    let pending: ChangeNudge | null = null;
    let blockedSince: number | null = null;
    const write = (text: string | Buffer) => {
      // A fan-out in progress may still reach a stream that has just ended.
      if (raw.writableEnded || raw.destroyed) return true;
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
      frameOf(nudge, !withData ? "plain" : nudge.originClientId === device?.id ? "range" : "preview", scope, deps.config.cursorSecret);
    const remove = hub.add({
      orgId,
      userId: user.id,
      deviceId: session.deviceId,
      scope,
      send: (nudge) => {
        if (!write(frame(nudge))) pending = nudge;
      },
      close: () => raw.end(),
    });
    // A coalesced nudge goes out without data: the device missed the earlier ones, so it pulls.
    raw.on("drain", () => {
      if (pending && write(frameOf(pending, "plain", scope, deps.config.cursorSecret))) pending = null;
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
