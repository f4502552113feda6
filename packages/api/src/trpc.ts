import { initTRPC } from "@trpc/server";
import type { Context } from "./context.ts";
import { fail, toErrorBody } from "./errors.ts";

const t = initTRPC.context<Context>().create({
  errorFormatter: ({ shape, error }) => ({ ...shape, data: { ...shape.data, ...toErrorBody(error), stack: undefined } }),
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

/** Every sync procedure: a valid token of an active user; the user's organization scopes all. */
export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  const user = ctx.user ?? fail("UNAUTHORIZED", "A valid access token is required");
  return next({ ctx: { ...ctx, user } });
});
