// A log page reads about a page of the log, however much of it follows the cursor. Pulls always
// read the log's tail, newer than its last ANALYZE; with the cursor's value in sight the planner
// saw no row past it and, on the weekly partitions, sorted everything after the cursor for each
// page (and once more to find the end). Counted in rows read (EXPLAIN ANALYZE), not in time.
import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { seededWriter } from "../seeded-writer.ts";
import type { Writer } from "./apply.ts";
import { logPageQuery } from "./pull.ts";

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

/** Rows that scans of the log's partitions returned, over the whole plan. */
const logRowsRead = (node: PlanNode): number =>
  (node["Relation Name"]?.startsWith("ChangeLog") ? node["Actual Rows"] * node["Actual Loops"] : 0) +
  (node.Plans ?? []).reduce((sum, child) => sum + logRowsRead(child), 0);

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
  const [{ "QUERY PLAN": [plan] }] = (await sqlPoolOf(db).query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${query.text}`,
    query.values,
  )) as [{ "QUERY PLAN": { Plan: PlanNode }[] }];
  // The page (limit + 1 rows) and the end of the log (one row); 2,000 rows follow the cursor.
  expect(logRowsRead(plan!.Plan)).toBeLessThanOrEqual(limit + 1 + 1);
});
