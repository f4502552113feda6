import { healthDashboardQuerySchema, healthDashboardResponseSchema } from "@fieldsync/schema";
import { healthDashboard } from "../health/dashboard.ts";
import { adminProcedure, router } from "../trpc.ts";

export const healthRouter = router({
  dashboard: adminProcedure
    .input(healthDashboardQuerySchema.prefault({}))
    .output(healthDashboardResponseSchema)
    .query(({ ctx, input }) => healthDashboard(ctx, ctx.user, input)),
});
