import { type ChangeNotifier, type ChangeNudge, type Deps, changesChannel, createContextInner, nudgeFor, verifyAccessToken } from "@fieldsync/api";
import type { SyncEvent } from "@fieldsync/schema";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";

interface Subscriber {
  orgId: string;
  send(nudge: ChangeNudge): void;
}

/**
 * Fans nudges out to this process's SSE clients. Every server process subscribes to the Redis
 * channel, so a push handled by any process (or applied by the worker) reaches every device.
 */
export class NudgeHub {
  private readonly subscribers = new Set<Subscriber>();

  add(subscriber: Subscriber) {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  deliver = (nudge: ChangeNudge) => {
    for (const subscriber of this.subscribers) if (subscriber.orgId === nudge.orgId) subscriber.send(nudge);
  };

  get size() {
    return this.subscribers.size;
  }

  /** Listens on `connection` (which becomes a subscriber-only connection). */
  listen(connection: Redis) {
    void connection.subscribe(changesChannel).catch(() => undefined);
    connection.on("message", (_channel: string, message: string) => {
      try {
        this.deliver(JSON.parse(message) as ChangeNudge);
      } catch {
        // A malformed message on our channel is dropped; nudges carry no data worth saving.
      }
    });
  }
}

/** Nudges for this process's clients only: a single server without Redis (tests, trials). */
export const localNotifier = (db: Deps["db"], hub: NudgeHub): ChangeNotifier => ({
  publish: async (orgId, live) => {
    try {
      hub.deliver(await nudgeFor(db, orgId, live));
    } catch {
      // Best effort, like the Redis notifier: clients still poll.
    }
  },
});

/** SSE frames of a nudge, serialized once however many devices listen: with its changes, and without. */
const frames = new WeakMap<ChangeNudge, { live?: string; plain?: string }>();
function frameOf(nudge: ChangeNudge, live: boolean): string {
  const cached = frames.get(nudge) ?? {};
  frames.set(nudge, cached);
  const { originClientId: _, changes, ...plain } = nudge;
  const event: SyncEvent = live && changes ? { ...plain, changes } : plain;
  const key = event.changes ? "live" : "plain";
  return (cached[key] ??= `id: ${event.position}\nevent: changes\ndata: ${JSON.stringify(event)}\n\n`);
}

const heartbeatMs = 15_000;
/** A client that has not drained its buffer for this long is too slow: it is disconnected. */
const stuckMs = 30_000;

/**
 * GET /api/sync/events: a Server-Sent Events stream telling the device "your organization has
 * new changes" (`event: changes`, data `SyncEvent`) so it pulls at once. With `?deviceId=`, small
 * pushes of other devices come with their changes, which the device can show before it pulls
 * (none for a device with a subscription: the stream cannot tell what is in its scope). Auth is
 * the bearer token, or `?token=` for EventSource, which cannot send headers; the stream ends with
 * `event: reauth` when that token expires, so a revoked user stops receiving within its lifetime.
 * A slow reader never blocks the server: while its socket buffer is full, nudges coalesce into
 * one without data, and a reader stuck for 30 s is dropped.
 */
export function registerEvents(app: FastifyInstance, deps: Deps, hub: NudgeHub) {
  app.get("/api/sync/events", async (request, reply) => {
    const query = request.query as { token?: string; deviceId?: string };
    const token = request.headers.authorization?.replace(/^Bearer /, "") ?? query.token;
    const ctx = await createContextInner(deps, token ? `Bearer ${token}` : undefined);
    const claims = ctx.user && token ? await verifyAccessToken(deps.config, token) : null;
    if (!ctx.user || !claims) return reply.code(401).send({ statusCode: 401, code: "UNAUTHORIZED", message: "A valid access token is required" });
    const orgId = ctx.user.orgId;
    const device = query.deviceId
      ? await deps.db.syncClient.findFirst({ where: { orgId, deviceId: query.deviceId }, select: { id: true, subscription: true, revokedAt: true } })
      : null;
    const withData = query.deviceId !== undefined && (!device || (device.subscription === null && device.revokedAt === null));

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
    const frame = (nudge: ChangeNudge) => frameOf(nudge, withData && nudge.originClientId !== device?.id);
    const remove = hub.add({
      orgId,
      send: (nudge) => {
        if (!write(frame(nudge))) pending = nudge;
      },
    });
    // A coalesced nudge goes out without data: the device missed the earlier ones, so it pulls.
    raw.on("drain", () => {
      if (pending && write(frameOf(pending, false))) pending = null;
    });
    write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ orgId })}\n\n`);
    const heartbeat = setInterval(() => write(": ping\n\n"), heartbeatMs);
    const expiry = setTimeout(() => {
      write(`event: reauth\ndata: {}\n\n`);
      raw.end();
    }, Math.max(0, (claims.exp ?? 0) * 1000 - Date.now()));
    raw.on("close", () => {
      clearInterval(heartbeat);
      clearTimeout(expiry);
      remove();
    });
  });
}
