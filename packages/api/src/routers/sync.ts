import {
  deltaBodySchema,
  deltaResponseSchema,
  pushBodySchema,
  pushResponseSchema,
  streamTicketResponseSchema,
  syncStatusResponseSchema,
} from "@fieldsync/schema";
import { issueStreamTicket } from "../auth/stream-ticket.ts";
import { deltaChanges } from "../sync/delta.ts";
import { syncingDeviceErrors } from "../sync/devices.ts";
import { pushChanges } from "../sync/push.ts";
import { upgradePush } from "../sync/upgrade.ts";
import { throughPushGate } from "../push-gate.ts";
import { syncStatus } from "../health/status.ts";
import { authedProcedure, deviceProcedure, router } from "../trpc.ts";
import { renderedBodyOf } from "../rendered-answer.ts";
import { unparsedOutput } from "../unparsed-output.ts";

const changeCount = (raw: unknown) => {
  const changes = typeof raw === "object" && raw !== null && "changes" in raw ? raw.changes : undefined;
  return Array.isArray(changes) ? changes.length : undefined;
};

/** A delta answer's size as sent (its rendered body's bytes, built once and sent as they are), which the pull gate paces. */
const answerBytes = (result: { ok: boolean; data?: unknown }) => (result.ok ? (renderedBodyOf(result.data)?.length ?? 0) : 0);

/** Push and delta: the syncing device's checks, a bad sync token, and the server's sync rate limit. */
const pullErrors = [...syncingDeviceErrors, "INVALID_TOKEN", "RATE_LIMITED"] as const;

export const syncRouter = router({
  push: deviceProcedure
    .meta({ errors: [...pullErrors, "SERVER_BUSY", "SCHEMA_VERSION_TOO_OLD", "SCHEMA_VERSION_UNKNOWN"] })
    // Changes of an older app build are upgraded (or the push refused) before the input schema sees them.
    .use(async ({ getRawInput, next }) => {
      const upgraded = await upgradePush(await getRawInput());
      return next({ getRawInput: async () => upgraded });
    })
    // Sized by the raw body's changes (validation follows): small pushes have the gate's express lane.
    .use(async ({ ctx, getRawInput, next }) => throughPushGate(ctx.pushGate, next, changeCount(await getRawInput())))
    // pushChanges records its SyncRun with the device's sync (no statement of its own).
    .input(pushBodySchema)
    .output(unparsedOutput(pushResponseSchema))
    .mutation(({ ctx, input }) => pushChanges(ctx, ctx.user, input)),
  // deltaChanges records its SyncRun with the device's sync (no statement of its own).
  delta: deviceProcedure
    .meta({ errors: [...pullErrors, "SERVER_BUSY"] })
    .use(({ ctx, next }) => throughPushGate(ctx.pullGate, next, undefined, answerBytes))
    .input(deltaBodySchema)
    .output(unparsedOutput(deltaResponseSchema))
    .mutation(({ ctx, input }) => deltaChanges(ctx, ctx.user, input)),
  status: authedProcedure.output(syncStatusResponseSchema).query(({ ctx }) => syncStatus(ctx, ctx.user)),
  streamTicket: authedProcedure.output(streamTicketResponseSchema).mutation(({ ctx }) => issueStreamTicket(ctx.db, ctx.user, ctx.session)),
});
