import { Prisma, type Db, type Tx } from "@fieldsync/db";

/** Serialization failures and deadlocks: the transaction is retried whole. */
export const retryable = new Set(["40001", "40P01"]);

/** The SQLSTATE behind a Prisma or driver error, when there is one. */
export const sqlState = (error: unknown): string | undefined => {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const meta = error.meta as { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } } | undefined;
    if (error.code === "P2034") return "40001";
    return meta?.driverAdapterError?.cause?.originalCode ?? meta?.code;
  }
  const cause = (error as { cause?: { originalCode?: string; code?: string } })?.cause;
  return cause?.originalCode ?? cause?.code;
};

/**
 * Runs `fn` in one transaction, retrying it whole on serialization failures and deadlocks
 * (nothing of a failed attempt was committed, so a retry cannot apply anything twice).
 */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(fn, { maxWait: 10_000, timeout: 120_000 });
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= attempts || !state || !retryable.has(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10 * (1 + Math.random())));
    }
  }
}
