export { attachSqlPool, createDb, sqlPoolOf, type Db, type DbOptions, type Tx } from "./client.ts";
export { createSqlPool, type Sql, type SqlPool, type SqlPoolOptions } from "./sql.ts";
export { inSqlTransaction, inTransaction, retryable, sqlState } from "./transaction.ts";
export { currentActor, runAs, versionTracking } from "./tracking.ts";
export { Prisma } from "./generated/prisma/client.ts";
export type * from "./generated/prisma/client.ts";
export { ensureDatabase, migrateDeploy } from "./migrate.ts";
