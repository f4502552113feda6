import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { conflictsRouter } from "./routers/conflicts.ts";
import { devicesRouter } from "./routers/devices.ts";
import { healthRouter } from "./routers/health.ts";
import { queueRouter } from "./routers/queue.ts";
import { syncRouter } from "./routers/sync.ts";
import { usersRouter } from "./routers/users.ts";
import { verifyRouter } from "./routers/verify.ts";
import { createCallerFactory, router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  sync: syncRouter,
  verify: verifyRouter,
  devices: devicesRouter,
  conflicts: conflictsRouter,
  audit: auditRouter,
  queue: queueRouter,
  health: healthRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
