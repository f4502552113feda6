// The push path's SqlPool on node-postgres and on PGlite: a transaction commits when its function
// resolves, rolls back when it throws, a statement on its own commits at once, and a connection
// that dies under it frees its slot.
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type SqlPool, createSqlPool, pgliteSqlPool } from "./sql.ts";
import { databaseUrl } from "./testing.ts";

const url = databaseUrl("postgres");
const admin = new pg.Client({ connectionString: url });
const table = `sql_pool_test_${process.pid}`;
const pglite = new PGlite();
const pools: [string, SqlPool][] = [
  ["node-postgres", createSqlPool(url, { max: 1, connectionTimeoutMillis: 2_000 })],
  ["PGlite", pgliteSqlPool(pglite)],
];

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE TABLE IF NOT EXISTS ${table} (v int)`);
  await pglite.query(`CREATE TABLE ${table} (v int)`);
});
afterAll(async () => {
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.end();
  for (const [, pool] of pools) await pool.end();
  await pglite.close();
});

describe.each(pools)("SqlPool on %s", (_, pool) => {
  const count = () => pool.transaction(async (sql) => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n);

  test("commits when the function resolves and rolls back when it throws", async () => {
    const before = await count();
    await pool.transaction((sql) => sql.query(`INSERT INTO ${table} VALUES ($1)`, [1]));
    const failed = pool.transaction(async (sql) => {
      await sql.query(`INSERT INTO ${table} VALUES ($1)`, [2]);
      throw new Error("boom");
    });
    await expect(failed).rejects.toThrow("boom");
    expect(await count()).toBe(before + 1);
  });

  test("a statement on its own (query) commits at once", async () => {
    const before = await count();
    expect(await pool.query(`INSERT INTO ${table} VALUES ($1) RETURNING v`, [3])).toEqual([{ v: 3 }]);
    expect(await count()).toBe(before + 1);
  });

  test("parameters arrive typed: arrays, json, timestamps in UTC", async () => {
    const [row] = await pool.transaction((sql) =>
      sql.query<{ ids: string[]; doc: { a: number }; at: Date }>(`SELECT $1::text[] AS ids, $2::jsonb AS doc, '2026-01-02 03:04:05'::timestamp AT TIME ZONE 'UTC' AS at`, [["x", "y"], JSON.stringify({ a: 1 })]),
    );
    expect(row).toEqual({ ids: ["x", "y"], doc: { a: 1 }, at: new Date("2026-01-02T03:04:05.000Z") });
  });
});

test("node-postgres: a connection terminated inside a transaction fails it and frees the only slot", async () => {
  const [, pool] = pools[0]!;
  for (let round = 0; round < 2; round++) {
    const run = pool.transaction(async (sql) => {
      const [{ pid }] = (await sql.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)) as [{ pid: number }];
      await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
      await sql.query(`SELECT 1`);
    });
    await expect(run).rejects.toThrow();
    expect(await pool.transaction((sql) => sql.query(`SELECT 1 AS ok`))).toEqual([{ ok: 1 }]);
  }
});
