import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

// The push path's connection: plain parameterized SQL on a driver's own pool, without Prisma's
// query compiler (which copied a 500-change push's ~1 MB of parameters through WebAssembly).
// Prisma stays for everything else. One tiny interface, implemented for node-postgres (the
// server, the worker) and for PGlite (embedded mode).

/** Runs one parameterized statement and returns its rows. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<T[]>;
}

/**
 * Where push transactions run. `transaction` commits when `fn` resolves and rolls back when it
 * throws; `query` runs one statement on its own (autocommit).
 */
export interface SqlPool extends Sql {
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

export interface SqlPoolOptions {
  /**
   * Connections (default 12). The server's push and pull gates bound the transactions running at
   * once (4 + 4 express pushes, 2 pulls); the rest is for the one-statement reads every request
   * makes here (its session): with 8, a storm's transactions could hold every connection while a
   * live writer's request waits for one just to authenticate. It comes on top of the Prisma pool's.
   */
  max?: number;
  /** How long a transaction waits for a connection before failing (default 10 s; never forever). */
  connectionTimeoutMillis?: number;
}

/** A node-postgres pool in UTC, like the Prisma adapter's; idle connections do not keep the process alive. */
export function createSqlPool(connectionString: string, options: SqlPoolOptions = {}): SqlPool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 12,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    options: "-c TimeZone=UTC",
    allowExitOnIdle: true,
  });
  // An idle connection that dies (PostgreSQL restarted) is dropped by the pool; without a
  // listener its 'error' event would crash the process.
  pool.on("error", () => {});
  return {
    async transaction(fn) {
      const client = await pool.connect();
      // A connection that dies between statements reports it as an 'error' event (the next
      // statement then fails); unheard, that event would crash the process.
      let died: Error | undefined;
      const onError = (error: Error) => (died = error);
      client.on("error", onError);
      const release = (error?: Error) => {
        client.off("error", onError);
        client.release(error ?? died);
      };
      const sql: Sql = { query: async (text, values) => (await client.query(text, values as unknown[])).rows };
      try {
        await client.query("BEGIN");
        const result = await fn(sql);
        await client.query("COMMIT");
        release();
        return result;
      } catch (error) {
        // A connection whose ROLLBACK fails is broken: released with the error, the pool discards it.
        const broken = await client.query("ROLLBACK").then(() => undefined, (rollbackError: Error) => rollbackError);
        release(broken);
        throw error;
      }
    },
    query: async (text, values) => (await pool.query(text, values as unknown[])).rows,
    end: () => pool.end(),
  };
}

/** The same over an embedded PGlite (single session: its transactions run one at a time). */
export const pgliteSqlPool = (pglite: PGlite): SqlPool => ({
  transaction: (fn) => pglite.transaction((tx) => fn({ query: async (text, values) => (await tx.query(text, values as unknown[])).rows as never[] })),
  query: async (text, values) => (await pglite.query(text, values as unknown[])).rows as never[],
  end: async () => {},
});
