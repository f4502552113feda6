export { createDb, type Db, type DbOptions, type Tx } from "./client.ts";
export { currentActor, runAs, versionTracking } from "./tracking.ts";
export { Prisma } from "./generated/prisma/client.ts";
export type * from "./generated/prisma/client.ts";
export { ensureDatabase, migrateDeploy } from "./migrate.ts";
