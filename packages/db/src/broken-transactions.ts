import type { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type Transaction = Awaited<ReturnType<Adapter["startTransaction"]>>;
/** What @prisma/adapter-pg's transaction holds besides the interface: its pooled connection. */
type PgTransaction = Transaction & { client: pg.PoolClient };

const endsTransaction = /^(COMMIT|ROLLBACK)$/;

/**
 * Prisma 6.19 ends an interactive transaction by sending COMMIT or ROLLBACK and only then calling
 * the adapter's commit()/rollback(), which releases the pooled connection. When the connection
 * died under the transaction (PostgreSQL restarted, backend terminated), that statement throws
 * and the release never happens: every such transaction leaks a pool slot until the pool is
 * exhausted and all later queries wait forever. Here a failed COMMIT/ROLLBACK releases the
 * connection with its error, so pg-pool discards it, and a later commit()/rollback() is a no-op.
 */
export function releaseBrokenTransactions(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => guard((await start(isolationLevel)) as PgTransaction);
    return adapter;
  };
  return factory;
}

function guard(tx: PgTransaction): Transaction {
  let released = false;
  const releaseOnce = async (release: () => unknown) => {
    if (released) return;
    released = true;
    await release();
  };
  const executeRaw = tx.executeRaw.bind(tx);
  tx.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (endsTransaction.test(query.sql)) {
        // The adapter's error listener stays on the discarded connection: the socket may still
        // report its end, and an 'error' event without a listener would crash the process.
        await releaseOnce(() => tx.client.release(error instanceof Error ? error : new Error(String(error))));
      }
      throw error;
    }
  };
  const commit = tx.commit.bind(tx);
  const rollback = tx.rollback.bind(tx);
  tx.commit = () => releaseOnce(commit);
  tx.rollback = () => releaseOnce(rollback);
  return tx;
}
