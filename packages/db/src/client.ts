import { PrismaPg } from "@prisma/adapter-pg";
import { releaseBrokenTransactions } from "./broken-transactions.ts";
import { PrismaClient } from "./generated/prisma/client.ts";
import { type SqlPool, createSqlPool } from "./sql.ts";
import { versionTracking } from "./tracking.ts";

export interface DbOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** How long a query waits for a pooled connection before failing (default 10 s; never forever). */
  connectionTimeoutMillis?: number;
  /**
   * Every transaction read-only (`default_transaction_read_only`): for a hot standby's client, so
   * a write sent there by mistake fails the same way whether the URL names a standby or a primary.
   */
  readOnly?: boolean;
}

/**
 * The project's Prisma client: driver adapter on `pg` (no engine binary), sessions in UTC (entity
 * timestamps are stored as UTC `timestamp(3)`), and version tracking for synced models.
 */
export function createDb(connectionString: string, options: DbOptions = {}) {
  const adapter = new PrismaPg({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    options: options.readOnly ? "-c TimeZone=UTC -c default_transaction_read_only=on" : "-c TimeZone=UTC",
  });
  const db = withTracking(releaseBrokenTransactions(adapter));
  let pool: SqlPool | null = null;
  sqlPools.set(db, () => (pool ??= createSqlPool(connectionString, { connectionTimeoutMillis: options.connectionTimeoutMillis })));
  return db;
}

const sqlPools = new WeakMap<object, () => SqlPool>();

/** Gives `db` the SqlPool its push transactions run on (createDb and the embedded database do). */
export const attachSqlPool = (db: object, pool: () => SqlPool) => sqlPools.set(db, pool);

/**
 * The push path's raw-SQL pool for `db`: for PostgreSQL a node-postgres pool on the same database,
 * opened on first use (see createSqlPool for its sizing); embedded, the PGlite session itself.
 */
export function sqlPoolOf(db: object): SqlPool {
  const pool = sqlPools.get(db);
  if (!pool) throw new Error("this Prisma client has no SqlPool (create it with createDb or openEmbeddedDatabase)");
  return pool();
}

/** Any driver adapter (PostgreSQL's, or the embedded PGlite's in embedded.ts), same client. */
export const withTracking = (adapter: NonNullable<ConstructorParameters<typeof PrismaClient>[0]>["adapter"]) =>
  new PrismaClient({ adapter }).$extends(versionTracking);

export type Db = ReturnType<typeof createDb>;
/** The client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];
