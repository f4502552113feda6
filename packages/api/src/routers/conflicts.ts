import {
  listConflictsQuerySchema,
  listConflictsResponseSchema,
  lookupConflictsBodySchema,
  lookupConflictsResponseSchema,
  resolveConflictBodySchema,
  resolveConflictResponseSchema,
} from "@fieldsync/schema";
import { listConflicts, lookupConflicts, resolveConflict } from "../sync/conflicts.ts";
import { authedProcedure, router } from "../trpc.ts";

export const conflictsRouter = router({
  list: authedProcedure
    .input(listConflictsQuerySchema.default({ limit: 100 }))
    .output(listConflictsResponseSchema)
    .query(async ({ ctx, input }) => ({ conflicts: await listConflicts(ctx.db, ctx.user, input) })),
  lookup: authedProcedure
    .input(lookupConflictsBodySchema)
    .output(lookupConflictsResponseSchema)
    .query(({ ctx, input }) => lookupConflicts(ctx.db, ctx.user, input.conflictIds)),
  resolve: authedProcedure
    .meta({ errors: ["VALIDATION_FAILED", "MERGE_DATA_REQUIRED", "NOT_FOUND", "CONFLICT_ALREADY_RESOLVED", "REFERENCE_NOT_FOUND", "USER_NOT_FOUND", "CONFLICT_STALE"] })
    .input(resolveConflictBodySchema)
    .output(resolveConflictResponseSchema)
    .mutation(async ({ ctx, input }) => {
      const resolved = await resolveConflict(ctx.db, ctx.user, input);
      if (resolved.change) await ctx.notifier?.publish(ctx.user.orgId);
      return resolved;
    }),
});
