import { loginBodySchema, loginResponseSchema, refreshBodySchema } from "@fieldsync/schema";
import { login } from "../auth/login.ts";
import { refreshSession } from "../auth/refresh-token.ts";
import { publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  login: publicProcedure
    .meta({ errors: ["UNAUTHORIZED", "RATE_LIMITED", "DEVICE_OWNED_BY_ANOTHER_USER", "DEVICE_LIMIT_REACHED"] })
    .input(loginBodySchema)
    .output(loginResponseSchema)
    .mutation(({ ctx, input }) => login(ctx, input)),
  refresh: publicProcedure
    .meta({ errors: ["UNAUTHORIZED"] })
    .input(refreshBodySchema)
    .output(loginResponseSchema)
    .mutation(({ ctx, input }) => refreshSession(ctx.db, ctx.config, input.refreshToken, input.deviceId)),
});
