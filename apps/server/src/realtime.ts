import { type ChangeNotifier, type ChangeNudge, type Deps, changesChannel, createContextInner, nudgeFor } from "@fieldsync/api";
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
  publish: async (orgId) => {
    try {
      hub.deliver(await nudgeFor(db, orgId));
    } catch {
      // Best effort, like the Redis notifier: clients still poll.
    }
  },
});

const heartbeatMs = 15_000;
/** A client that has not drained its buffer for this long is too slow: it is disconnected. */
const stuckMs = 30_000;

/**
 * GET /api/sync/events: a Server-Sent Events stream telling the device "your organization has
 * new changes" (`event: changes`, data `{orgId, position, at}`) so it pulls at once. It carries no
 * entity data: the pull does, under its normal authorization. Auth is the bearer token, or
 * `?token=` for EventSource, which cannot send headers. A slow reader never blocks the server:
 * while its socket buffer is full, nudges coalesce into one, and a reader stuck for 30 s is dropped.
 */
export function registerEvents(app: FastifyInstance, deps: Deps, hub: NudgeHub) {
  app.get("/api/sync/events", async (request, reply) => {
    const query = request.query as { token?: string };
    const authorization = request.headers.authorization ?? (query.token ? `Bearer ${query.token}` : undefined);
    const ctx = await createContextInner(deps, authorization);
    if (!ctx.user) return reply.code(401).send({ statusCode: 401, code: "UNAUTHORIZED", message: "A valid access token is required" });
    const orgId = ctx.user.orgId;

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
    const frame = (nudge: ChangeNudge) => `id: ${nudge.position}\nevent: changes\ndata: ${JSON.stringify(nudge)}\n\n`;
    const remove = hub.add({
      orgId,
      send: (nudge) => {
        if (!write(frame(nudge))) pending = nudge;
      },
    });
    raw.on("drain", () => {
      if (pending && write(frame(pending))) pending = null;
    });
    write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ orgId })}\n\n`);
    const heartbeat = setInterval(() => write(": ping\n\n"), heartbeatMs);
    raw.on("close", () => {
      clearInterval(heartbeat);
      remove();
    });
  });
}
