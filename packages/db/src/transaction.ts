import { type Db, type Tx, sqlPoolOf } from "./client.ts";
import { Prisma } from "./generated/prisma/client.ts";
import type { Sql } from "./sql.ts";

/** Serialization failures and deadlocks: the transaction is retried whole. */
export const retryable = new Set(["40001", "40P01"]);

/** The SQLSTATE behind a Prisma or driver error, when there is one. */
export const sqlState = (error: unknown): string | undefined => {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const meta = error.meta as { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } } | undefined;
    if (error.code === "P2034") return "40001";
    return meta?.driverAdapterError?.cause?.originalCode ?? meta?.code;
  }
  // node-postgres (the push pool) carries the SQLSTATE itself.
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  const cause = (error as { cause?: { originalCode?: string; code?: string } })?.cause;
  return cause?.originalCode ?? cause?.code;
};

/**
 * Runs `fn` in one transaction, retrying it whole on serialization failures and deadlocks
 * (nothing of a failed attempt was committed, so a retry cannot apply anything twice).
 */
export const inTransaction = <T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> =>
  retried(() => db.$transaction(fn, { maxWait: 10_000, timeout: 120_000 }), attempts);

/** Runs `fn` in one transaction of the push path's SqlPool, retried like inTransaction. */
export const inSqlTransaction = <T>(db: Db, fn: (sql: Sql) => Promise<T>, attempts = 5): Promise<T> =>
  retried(() => sqlPoolOf(db).transaction(fn), attempts);

async function retried<T>(transaction: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= attempts || !state || !retryable.has(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10 * (1 + Math.random())));
    }
  }
}
