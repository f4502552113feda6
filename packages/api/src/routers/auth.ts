import { loginBodySchema, loginResponseSchema } from "@fieldsync/schema";
import { login } from "../auth/login.ts";
import { publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  login: publicProcedure.input(loginBodySchema).output(loginResponseSchema).mutation(({ ctx, input }) => login(ctx, input)),
});
