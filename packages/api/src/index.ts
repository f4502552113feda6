export type { ApiConfig } from "./config.ts";
export { createContextInner, type AuthUser, type Context, type Deps } from "./context.ts";
export { AppError, toErrorBody } from "./errors.ts";
export { hashPassword } from "./auth/password.ts";
export { appRouter, createCaller, type AppRouter } from "./root.ts";
export { restRoutes, type RestRoute } from "./rest.ts";
export { demoPassword, demoUsers, seedDemoData } from "./seed.ts";
