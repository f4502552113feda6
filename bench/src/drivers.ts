import type pg from "pg";
import postgres from "postgres";

// The two PostgreSQL drivers the same-work baseline's statement runs through (row B1-8-driver):
// node-postgres, which the server uses, and postgres.js, which pipelines (queries issued on one
// connection are written without waiting for the previous answer) and prepares statements.

/** One parameterized statement; its rows. */
export type Query = <T>(text: string, values: unknown[]) => Promise<T[]>;

export const nodePostgres =
  (pool: pg.Pool): Query =>
  async <T>(text: string, values: unknown[]) =>
    (await pool.query(text, values)).rows as T[];

/** A postgres.js pool of `max` connections on `url` (session time zone UTC, as the pg pool's); `end` closes it. */
export function postgresJs(url: string, max: number): { query: Query; end: () => Promise<void> } {
  const sql = postgres(url, { max, connection: { TimeZone: "UTC" }, onnotice: () => undefined });
  return {
    query: async <T>(text: string, values: unknown[]) => (await sql.unsafe(text, values as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[],
    end: () => sql.end(),
  };
}
