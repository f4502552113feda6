// A log page reads about a page of the log, however much of it follows the cursor. Pulls always
// read the log's tail, newer than its last ANALYZE; with the cursor's value in sight the planner
// saw no row past it and, on the weekly partitions, sorted everything after the cursor for each
// page (and once more to find the end). A snapshot page likewise reads about a page of entities
// and their metadata, however far into the organization it is. Counted in rows read (EXPLAIN
// ANALYZE), not in time.
import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { seededWriter } from "../seeded-writer.ts";
import type { Writer } from "./apply.ts";
import { entityDataSql } from "./entities.ts";
import { logPageQuery, snapshotRowsQuery } from "./pull.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter("log-page-plan-test"));
});
afterAll(() => database.drop());

/** Appends `count` asset updates to the organization's log, in one transaction. */
const appendLog = (count: number) =>
  sqlPoolOf(db).query(
    `INSERT INTO "ChangeLog" ("orgId", "entityType", "entityId", "operation", "version", "data", "actor")
     SELECT $1, 'asset', 'asset-' || g, 'UPDATE', 2, jsonb_build_object('name', 'Asset ' || g), 'test' FROM generate_series(1, $2::int) g`,
    [writer.orgId, count],
  );

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  Plans?: PlanNode[];
}

/** Rows that scans of the tables named `relation…` returned, over the whole plan. */
const rowsRead = (node: PlanNode, relation: string): number =>
  (node["Relation Name"]?.startsWith(relation) ? node["Actual Rows"] * node["Actual Loops"] : 0) +
  (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, relation), 0);
const logRowsRead = (node: PlanNode) => rowsRead(node, "ChangeLog");

const planOf = async (query: { text: string; values: unknown[] }) => {
  const [{ "QUERY PLAN": [plan] }] = (await sqlPoolOf(db).query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${query.text}`,
    query.values,
  )) as [{ "QUERY PLAN": { Plan: PlanNode }[] }];
  return plan!.Plan;
};

test("a page of the log's tail reads about a page of rows, not everything after the cursor", async () => {
  await appendLog(3000);
  await sqlPoolOf(db).query(`ANALYZE "ChangeLog"`);
  const [head] = await sqlPoolOf(db).query<{ txid: string; seq: string }>(
    `SELECT "txid"::text, "seq"::text FROM "ChangeLog" WHERE "orgId" = $1 ORDER BY "txid" DESC, "seq" DESC LIMIT 1`,
    [writer.orgId],
  );
  await appendLog(2000);
  const limit = 50;
  const query = logPageQuery({ orgId: writer.orgId, types: ["asset"], cursor: null, limit }, { mode: "log", txid: head!.txid, seq: head!.seq, after: null }, limit);
  // The page (limit + 1 rows) and the end of the log (one row); 2,000 rows follow the cursor.
  expect(logRowsRead(await planOf(query))).toBeLessThanOrEqual(limit + 1 + 1);
});

test("a snapshot page deep into the organization reads about a page of entities and metadata, not every one before it", async () => {
  // Set-wise, as the bench seeds them (the tracking trigger's rows, without a change log).
  const pool = sqlPoolOf(db);
  await pool.transaction(async (sql) => {
    await sql.query("SET LOCAL session_replication_role = replica");
    await sql.query(
      `WITH a AS (
         INSERT INTO "Asset" ("orgId", "id", "name", "serialNumber", "location", "status", "updatedBy", "updatedAt")
         SELECT $1, 'plan-' || lpad(g::text, 5, '0'), 'Asset ' || g, 'SN-' || g, 'Site', 'OPERATIONAL', 'test', now() AT TIME ZONE 'UTC'
         FROM generate_series(1, 3000) g RETURNING "orgId", "id")
       INSERT INTO "SyncMetadata" ("orgId", "entityType", "entityId", "version", "lastModifiedBy", "lastModifiedAt", "checksum")
       SELECT "orgId", 'asset', "id", 1, 'test', now() AT TIME ZONE 'UTC', 'sum' FROM a`,
      [writer.orgId],
    );
  });
  await pool.query(`ANALYZE "Asset"; ANALYZE "SyncMetadata"`);
  const room = 50;
  const plan = await planOf(snapshotRowsQuery({ orgId: writer.orgId, types: ["asset"], cursor: null, limit: room }, "asset", await entityDataSql(db, "asset"), "plan-02000", room));
  // The page (room + 1 rows) of each, and one more the join may look at; 2,000 assets come before it.
  expect(rowsRead(plan, "Asset")).toBeLessThanOrEqual(room + 2);
  expect(rowsRead(plan, "SyncMetadata")).toBeLessThanOrEqual(room + 2);
});
