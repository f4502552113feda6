import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import { type Deps, createContextInner } from "@fieldsync/api";
import type { FastifyInstance, FastifyRequest } from "fastify";

const basePath = "/admin/queues";

/** The bearer token, or for a browser tab the `fieldsync_token` cookie the PWA sets for admins. */
const tokenOf = (request: FastifyRequest) => {
  if (request.headers.authorization) return request.headers.authorization;
  const cookie = request.headers.cookie?.split(";").map((c) => c.trim()).find((c) => c.startsWith("fieldsync_token="));
  return cookie ? `Bearer ${decodeURIComponent(cookie.slice("fieldsync_token=".length))}` : undefined;
};

/**
 * Bull Board for the sync queue at /admin/queues, for admins only, and read-only: the queue is
 * shared by every organization, so its actions (retry, clean, add, empty, obliterate…) would let
 * one org's admin act on another's jobs. Admins retry their own dead letters through the
 * org-scoped POST /api/sync/queue/retry. Jobs carry nothing but a SyncQueue row id.
 */
export async function registerBullBoard(app: FastifyInstance, deps: Deps) {
  if (!deps.queue) return;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({ queues: [new BullMQAdapter(deps.queue.queue, { readOnlyMode: true })], serverAdapter });
  await app.register(async (scope) => {
    scope.addHook("onRequest", async (request, reply) => {
      const ctx = await createContextInner(deps, tokenOf(request));
      if (ctx.user?.role !== "ADMIN") {
        return reply.code(ctx.user ? 403 : 401).send({ statusCode: ctx.user ? 403 : 401, code: ctx.user ? "FORBIDDEN" : "UNAUTHORIZED", message: "Admins only" });
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: basePath });
  });
}
