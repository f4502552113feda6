import type { Db, Sql, Tx } from "@fieldsync/db";

export type { Sql } from "@fieldsync/db";

/** The push path's statements on a Prisma client or transaction (conflict resolution reuses them there). */
export const prismaSql = (tx: Tx | Db): Sql => ({
  query: <T>(text: string, values: readonly unknown[] = []) => tx.$queryRawUnsafe<T[]>(text, ...values),
});
