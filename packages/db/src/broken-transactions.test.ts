// A transaction whose connection dies (PostgreSQL restarted, backend terminated) must give its
// pool slot back: before the fix each one leaked a connection, and a pool of one was wedged after
// the first.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb } from "./client.ts";
import { databaseUrl } from "./testing.ts";

const url = databaseUrl("postgres");
// One connection, and a short wait for it: a leaked slot shows as a failed query, not a hang.
const db = createDb(url, { max: 1, connectionTimeoutMillis: 2_000 });
const admin = new pg.Client({ connectionString: url });

beforeAll(() => admin.connect());
afterAll(async () => {
  await admin.end();
  await db.$disconnect();
});

const terminate = (pid: number) => admin.query("SELECT pg_terminate_backend($1)", [pid]);
const backendPid = async (tx: Parameters<Parameters<typeof db.$transaction>[0]>[0]) =>
  (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;

describe("transactions on a connection that died", () => {
  test.each([
    ["between two statements", true],
    ["before COMMIT", false],
  ])("terminated %s: the transaction fails and the pool slot is free again", async (_, queryAfterKill) => {
    for (let round = 0; round < 3; round++) {
      const run = db.$transaction(async (tx) => {
        await terminate(await backendPid(tx));
        if (queryAfterKill) await tx.$queryRaw`SELECT 1`;
      });
      await expect(run).rejects.toThrow();
      // The only connection is usable again (a leak makes this fail after connectionTimeoutMillis).
      expect(await db.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
    }
  });

  test("a committed transaction still commits once (the guard only acts on a failed COMMIT)", async () => {
    const value = await db.$transaction(async (tx) => (await tx.$queryRaw<{ n: number }[]>`SELECT 41 + 1 AS n`)[0]!.n);
    expect(value).toBe(42);
    expect(await db.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
  });
});
