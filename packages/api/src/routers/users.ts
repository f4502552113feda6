import { listUsersResponseSchema } from "@fieldsync/schema";
import { listUsers } from "../sync/users.ts";
import { authedProcedure, router } from "../trpc.ts";

export const usersRouter = router({
  list: authedProcedure.output(listUsersResponseSchema).query(async ({ ctx }) => ({ users: await listUsers(ctx.db, ctx.user) })),
});
