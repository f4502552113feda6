import { appError } from "@fieldsync/api";
import { deltaBodySchema, limits, listAuditQuerySchema, listConflictsQuerySchema } from "@fieldsync/schema";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { type TrpcCall, refuseTrpc, trpcCalls } from "./trpc-calls.ts";

// Bounds on one /trpc request, checked before any of its calls runs: at most `maxCalls` calls,
// and, for two calls or more, at most limits.maxBatchRows rows that they may return together (one
// call alone is bounded by its own page size). Without them one
// batched request did the work (and sent the megabytes) of dozens.

/** A listing's page size as its own schema reads it (default included). */
const pageSize = (field: z.ZodType<number>, key: string) => (input: unknown) => {
  const value = typeof input === "object" && input !== null ? (input as Record<string, unknown>)[key] : undefined;
  const parsed = field.safeParse(value);
  // An invalid size fails the call's own validation, and a failed call returns no rows.
  return parsed.success ? parsed.data : 0;
};

/** Rows each listing call may return; other procedures return a bounded few. */
const rowsOf: Record<string, (input: unknown) => number> = {
  "sync.delta": pageSize(deltaBodySchema.shape.pageSize, "pageSize"),
  // Other devices' changes carried by the push response.
  "sync.push": () => limits.pushResponsePageSize,
  "conflicts.list": pageSize(listConflictsQuerySchema.shape.limit, "limit"),
  "audit.list": pageSize(listAuditQuerySchema.shape.limit, "limit"),
  // Sub-bucket digests: 16 per bucket named in `within`; entities: one change per ref.
  "verify.digests": () => 16 * limits.maxDigestBuckets,
  "verify.entities": () => limits.maxEntityFetch,
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
        : calls.length > 1 && rowsOfCalls(calls) > limits.maxBatchRows
          ? `The calls of a batch may return at most ${limits.maxBatchRows} rows together (a delta counts its pageSize, a push ${limits.pushResponsePageSize}, a list its limit); split the batch or ask for smaller pages`
          : null;
    if (refusal) return refuseTrpc(request, reply, calls, appError("BATCH_TOO_LARGE", refusal));
  });
}
