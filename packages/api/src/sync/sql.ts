import type { Db, Tx } from "@fieldsync/db";

/**
 * The one thing the push path's SQL needs from a connection: run a parameterized statement and
 * return its rows. Implemented for a Prisma client or transaction (any driver adapter, PGlite
 * included) and for a node-postgres client (db's push pool), so the same statements run on both.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<T[]>;
}

export const prismaSql = (tx: Tx | Db): Sql => ({
  query: <T>(text: string, values: readonly unknown[] = []) => tx.$queryRawUnsafe<T[]>(text, ...values),
});
