// The retention steps against real PostgreSQL: a change-log week dropped while pushes and pulls
// run, with the horizon recorded first; tombstones and exactly-once claims purged past their cutoff.
import { randomUUID } from "node:crypto";
import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import type { SyncChange } from "@fieldsync/schema";
import { afterAll, beforeAll, expect, test } from "vitest";
import { change, seededWriter } from "../seeded-writer.ts";
import { type Writer, applyChanges, lockDevice, prepare } from "../sync/apply.ts";
import { findClaims, insertClaims } from "../sync/claims.ts";
import { readHorizon } from "../sync/horizon.ts";
import { pull } from "../sync/pull.ts";
import { purgeClaims } from "./claims.ts";
import { detachLogPartition, dropLogPartitionsBefore, ensureLogPartitions, logPartitionsBefore } from "./log-partitions.ts";
import { purgeTombstones } from "./tombstones.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter("retention-test"));
});
afterAll(() => database.drop());

const day = 86_400_000;
const daysFromNow = (days: number) => new Date(Date.now() + days * day);

/** Applies `changes` with their claims, as an inline push does. */
const push = (changes: SyncChange[]) =>
  sqlPoolOf(db).transaction(async (sql) => {
    const prepared = changes.map(prepare);
    await lockDevice(sql, writer);
    const decided = await applyChanges(sql, writer, prepared, {});
    await insertClaims(sql, writer, prepared.map((p, i) => ({ p, outcome: decided.decisions[i]!.outcome })));
    return decided.decisions.map((d) => d.outcome);
  });

const version = async (entityId: string) =>
  (await sqlPoolOf(db).query<{ version: number }>(`SELECT "version" FROM "SyncMetadata" WHERE "entityId" = $1`, [entityId]))[0]?.version;

test("a week past the horizon is dropped while pushes and pulls go on, its horizon recorded first", async () => {
  const sql = sqlPoolOf(db);
  // Sixty days ago: a week of this organization's log (written directly: the clock cannot go back).
  const [{ name }] = (await sql.query<{ name: string }>(`SELECT fieldsync_log_partition(now() AT TIME ZONE 'UTC' - interval '60 days') AS "name"`)) as [{ name: string }];
  await sql.query(
    `INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "actor", "createdAt")
     SELECT $1, 'asset', gen_random_uuid()::text, 'CREATE', 1, 'old', now() AT TIME ZONE 'UTC' - interval '60 days' FROM generate_series(1, 5000)`,
    [writer.orgId],
  );
  const [last] = await sql.query<{ txid: string; seq: string }>(
    `SELECT l."txid"::text, l."seq"::text FROM "${name}" l ORDER BY l."txid" DESC, l."seq" DESC LIMIT 1`,
  );

  // Pushes and pulls run until the drop has finished and one more of each has completed after it.
  let dropped = false;
  let after = 0;
  const traffic = (async () => {
    while (!dropped || after < 1) {
      const id = randomUUID();
      const [outcome] = await push([change("asset", id, "CREATE", 0, { name: "During the drop" })]);
      expect(outcome).toMatchObject({ status: "applied" });
      await pull(db, { orgId: writer.orgId, types: ["asset"], cursor: { mode: "log", txid: "0", seq: "0", after: null }, limit: 50 });
      if (dropped) after++;
    }
  })();
  const names = await dropLogPartitionsBefore(db, daysFromNow(-30));
  dropped = true;
  await traffic;

  expect(names).toEqual([name]);
  expect((await sql.query(`SELECT 1 FROM pg_class WHERE "relname" = $1`, [name])).length).toBe(0);
  const horizon = await readHorizon(db, writer.orgId);
  expect(horizon).toMatchObject({ txid: BigInt(last!.txid), seq: BigInt(last!.seq) });
  expect(horizon!.before.getTime()).toBeGreaterThan(daysFromNow(-60).getTime());
  // This week's partition is untouched and the next run has nothing to drop.
  expect(await dropLogPartitionsBefore(db, daysFromNow(-30))).toEqual([]);
  await ensureLogPartitions(db);
});

test("a week a run detached but did not drop (it stopped in between) is dropped by the next run", async () => {
  const sql = sqlPoolOf(db);
  const [{ name }] = (await sql.query<{ name: string }>(`SELECT fieldsync_log_partition(now() AT TIME ZONE 'UTC' - interval '90 days') AS "name"`)) as [{ name: string }];
  const [week] = await logPartitionsBefore(db, daysFromNow(-80));
  expect(week?.name).toBe(name);
  await detachLogPartition(db, week!);
  expect(await dropLogPartitionsBefore(db, daysFromNow(-30))).toEqual([name]);
  expect(await sql.query(`SELECT 1 FROM pg_class WHERE "relname" = $1`, [name])).toHaveLength(0);
});

test("tombstones older than the cutoff are purged, live entities' metadata stays", async () => {
  const [gone, live] = [randomUUID(), randomUUID()];
  await push([change("asset", gone, "CREATE", 0, { name: "Gone" }), change("asset", live, "CREATE", 0, { name: "Live" })]);
  await push([change("asset", gone, "DELETE", 1)]);
  expect(await purgeTombstones(db, daysFromNow(-1))).toBe(0);
  expect(await version(gone)).toBe(2);
  expect(await purgeTombstones(db, daysFromNow(1), 1)).toBeGreaterThanOrEqual(1);
  expect(await version(gone)).toBeUndefined();
  expect(await version(live)).toBe(1);
});

test("a claim within retention still makes a retry a duplicate; past it, the base version keeps the retry from applying twice", async () => {
  const id = randomUUID();
  await push([change("asset", id, "CREATE", 0, { name: "Compressor" })]);
  const edit = change("asset", id, "UPDATE", 1, { name: "Compressor", location: "Roof" });
  await push([edit]);
  const claimed = () => sqlPoolOf(db).transaction((sql) => findClaims(sql, writer.clientId, [prepare(edit, 0)]));
  expect((await claimed()).earlier.size).toBe(1);

  // A claim still waiting for the worker is never purged.
  const waiting = randomUUID();
  await push([change("asset", waiting, "CREATE", 0, { name: "Queued" })]);
  await sqlPoolOf(db).query(`UPDATE "SyncQueue" SET "status" = 'PENDING', "payload" = '{}' WHERE "entityId" = $1`, [waiting]);

  expect(await purgeClaims(db, daysFromNow(-1))).toBe(0);
  expect((await claimed()).earlier.size).toBe(1);
  // Batches of 2: the walk goes on past a batch holding the PENDING claim.
  expect(await purgeClaims(db, daysFromNow(1), 2)).toBeGreaterThanOrEqual(2);
  expect(await sqlPoolOf(db).query(`SELECT 1 FROM "SyncQueue" WHERE "entityId" = $1`, [id])).toHaveLength(0);
  expect((await claimed()).fresh).toHaveLength(1);
  expect(await sqlPoolOf(db).query(`SELECT 1 FROM "SyncQueue" WHERE "entityId" = $1`, [waiting])).toHaveLength(1);

  const [replayed] = await push([edit]);
  // Its base (1) is stale and the server holds its data already: answered at the server's version.
  expect(replayed).toMatchObject({ status: "applied", version: 2 });
  expect(await version(id)).toBe(2);
});
