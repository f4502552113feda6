import { appError } from "@fieldsync/api";
import { limits } from "@fieldsync/schema";
import type { FastifyInstance } from "fastify";
import { type TrpcCall, refuseTrpc, trpcCalls } from "./trpc-calls.ts";

// Bounds on one /trpc request, checked before any of its calls runs: at most `maxCalls` calls,
// and at most limits.maxBatchRows rows that the calls may return together. Without them one
// batched request did the work (and sent the megabytes) of dozens.

/** Rows a sync call may return: a delta its page, a push the other devices' changes it carries. */
const rowsOf: Record<string, (input: unknown) => number> = {
  "sync.delta": (input) => {
    const pageSize = (input as { pageSize?: unknown } | undefined)?.pageSize;
    // An out-of-range size is refused by the call's own validation; it counts as a full page here.
    return typeof pageSize === "number" && pageSize > 0 ? Math.min(pageSize, limits.maxPageSize) : limits.defaultPageSize;
  },
  "sync.push": () => limits.pushResponsePageSize,
};

const rowsOfCalls = (calls: TrpcCall[]) => calls.reduce((sum, { path, input }) => sum + (rowsOf[path]?.(input) ?? 0), 0);

/** Refuses oversized /trpc batches with 400 BATCH_TOO_LARGE; call before routes are registered. */
export function registerTrpcBatchLimit(app: FastifyInstance, maxCalls: number) {
  app.addHook("preHandler", async (request, reply) => {
    const calls = trpcCalls(request);
    if (!calls) return;
    const refusal =
      calls.length > maxCalls
        ? `A batch may hold at most ${maxCalls} calls; send the others in another request`
        : rowsOfCalls(calls) > limits.maxBatchRows
          ? `The calls of a batch may return at most ${limits.maxBatchRows} rows together (a delta counts its pageSize, a push ${limits.pushResponsePageSize}); split the batch or lower pageSize`
          : null;
    if (refusal) return refuseTrpc(request, reply, calls, appError("BATCH_TOO_LARGE", refusal));
  });
}
