// A push's claim lookup reads the claims of the keys it asks about, not the device's history.
// Statistics lag behind a busy device (or it pushes far more than the average one): seeing few
// rows for its clientId, the planner read every claim of the device and filtered them by key, so
// each push of a long-lived device read more (at the scaling bench's 1M level, ~400 cold pages
// a push). Counted in rows read (EXPLAIN ANALYZE), not in time.
import { randomUUID } from "node:crypto";
import { type Db, type Sql, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { change, seededWriter } from "../seeded-writer.ts";
import { type Writer, prepare } from "./apply.ts";
import { findClaims } from "./claims.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter("claims-plan-test"));
});
afterAll(() => database.drop());

/** Stores `count` finished claims of the writer's device (keys `c:<uuid>`); returns their keys. */
const storeClaims = async (count: number) =>
  (
    await sqlPoolOf(db).query<{ key: string }>(
      `INSERT INTO "SyncQueue" ("id", "orgId", "clientId", "idempotencyKey", "fingerprint", "entityType", "entityId", "operation", "clientVersion",
         "clientTimestamp", "status", "attempts", "result", "processedAt")
       SELECT gen_random_uuid()::text, $1, $2, 'c:' || gen_random_uuid(), md5(g::text), 'asset', gen_random_uuid()::text, 'UPDATE', 1,
         now(), 'COMPLETED', 1, '{"status":"applied","version":2,"checksum":null}'::jsonb, now()
       FROM generate_series(1, $3::int) g
       RETURNING "idempotencyKey" AS "key"`,
      [writer.orgId, writer.clientId, count],
    )
  ).map((row) => row.key);

interface PlanNode {
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** Rows that scans of SyncQueue (its table or its indexes) produced or filtered out, over the whole plan. */
const claimRowsRead = (node: PlanNode): number =>
  (node["Relation Name"] === "SyncQueue" || node["Index Name"]?.startsWith("SyncQueue")
    ? (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"]
    : 0) + (node.Plans ?? []).reduce((sum, child) => sum + claimRowsRead(child), 0);

test("looking up a push's claims reads about one row per key, however many claims the device has", async () => {
  await storeClaims(50);
  await sqlPoolOf(db).query(`ANALYZE "SyncQueue"`);
  const history = await storeClaims(3000);
  // A push of 500 changes: 5 of them replays of stored claims, the rest new.
  const prepared = Array.from({ length: 500 }, (_, i) => ({ ...change("asset", randomUUID(), "UPDATE", 1, { name: `n${i}` }), ...(i < 5 && { changeId: history[i]!.slice(2) }) })).map(prepare);
  const plans: PlanNode[] = [];
  // Runs the lookup's statements as EXPLAIN ANALYZE; the lookup sees no stored claims.
  const explaining: Sql = {
    query: async <T>(text: string, values?: readonly unknown[]) => {
      const [{ "QUERY PLAN": [plan] }] = (await sqlPoolOf(db).query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values)) as [
        { "QUERY PLAN": { Plan: PlanNode }[] },
      ];
      plans.push(plan!.Plan);
      return [] as T[];
    },
  };
  await findClaims(explaining, writer.clientId, prepared);
  expect(plans).toHaveLength(1);
  // One index probe per key finds the 5 stored claims; the device's 3,050 claims are not read.
  expect(claimRowsRead(plans[0]!)).toBeLessThanOrEqual(prepared.length);
});
