import { loginBodySchema, loginResponseSchema, refreshBodySchema } from "@fieldsync/schema";
import { login } from "../auth/login.ts";
import { refreshSession } from "../auth/refresh-token.ts";
import { publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  login: publicProcedure.input(loginBodySchema).output(loginResponseSchema).mutation(({ ctx, input }) => login(ctx, input)),
  refresh: publicProcedure
    .input(refreshBodySchema)
    .output(loginResponseSchema)
    .mutation(({ ctx, input }) => refreshSession(ctx.db, ctx.config, input.refreshToken, input.deviceId)),
});
