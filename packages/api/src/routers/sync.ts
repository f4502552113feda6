import {
  deltaBodySchema,
  deltaResponseSchema,
  pushBodySchema,
  pushResponseSchema,
  streamTicketResponseSchema,
  syncStatusResponseSchema,
} from "@fieldsync/schema";
import { issueStreamTicket } from "../auth/stream-ticket.ts";
import { recordSyncRun } from "../health/sync-runs.ts";
import { deltaChanges } from "../sync/delta.ts";
import { pushChanges } from "../sync/push.ts";
import { syncStatus } from "../sync/status.ts";
import { authedProcedure, deviceProcedure, router } from "../trpc.ts";

export const syncRouter = router({
  push: deviceProcedure
    .input(pushBodySchema)
    .use(({ ctx, input, next }) => recordSyncRun(ctx.db, ctx.user, "PUSH", input.deviceId, next))
    .output(pushResponseSchema)
    .mutation(({ ctx, input }) => pushChanges(ctx, ctx.user, input)),
  delta: deviceProcedure
    .input(deltaBodySchema)
    .use(({ ctx, input, next }) => recordSyncRun(ctx.db, ctx.user, "PULL", input.deviceId, next))
    .output(deltaResponseSchema)
    .mutation(({ ctx, input }) => deltaChanges(ctx, ctx.user, input)),
  status: authedProcedure.output(syncStatusResponseSchema).query(({ ctx }) => syncStatus(ctx, ctx.user)),
  streamTicket: authedProcedure.output(streamTicketResponseSchema).mutation(({ ctx }) => issueStreamTicket(ctx.db, ctx.user, ctx.session)),
});
