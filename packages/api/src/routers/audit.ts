import { listAuditQuerySchema, listAuditResponseSchema } from "@fieldsync/schema";
import { listAudit } from "../audit/list.ts";
import { adminProcedure, router } from "../trpc.ts";

export const auditRouter = router({
  list: adminProcedure
    .meta({ errors: ["INVALID_TOKEN"] })
    .input(listAuditQuerySchema.default({ limit: 50 }))
    .output(listAuditResponseSchema)
    .query(({ ctx, input }) => listAudit(ctx.db, ctx.config, ctx.user, input)),
});
