import {
  cacheInvalidateBodySchema,
  cacheInvalidateResponseSchema,
  queueRetryBodySchema,
  queueRetryResponseSchema,
  queueStatsResponseSchema,
} from "@fieldsync/schema";
import { invalidateCache } from "../queue/cache-invalidate.ts";
import { retryFailed } from "../queue/retry.ts";
import { queueStats } from "../queue/stats.ts";
import { authedProcedure, router } from "../trpc.ts";

export const queueRouter = router({
  stats: authedProcedure.output(queueStatsResponseSchema).query(({ ctx }) => queueStats(ctx, ctx.user)),
  retry: authedProcedure
    .input(queueRetryBodySchema.default({}))
    .output(queueRetryResponseSchema)
    .mutation(({ ctx, input }) => retryFailed(ctx, ctx.user, input.ids)),
  invalidateCache: authedProcedure
    .meta({ errors: ["FORBIDDEN", "NOT_FOUND"] })
    .input(cacheInvalidateBodySchema.default({}))
    .output(cacheInvalidateResponseSchema)
    .mutation(({ ctx, input }) => invalidateCache(ctx, ctx.user, input)),
});
