// cursorAtHead's delete rule against real PostgreSQL: a push whose deletes are all its own answers
// at the head; one whose delete cascaded (tombstones the device never asked for) pulls.
import { randomUUID } from "node:crypto";
import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import type { ChangeResult, SyncChange } from "@fieldsync/schema";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Writer, applyChanges, lockDevice, prepare } from "./apply.ts";
import { insertClaims } from "./claims.ts";
import type { Cursor } from "./cursor.ts";
import { claimedDeletes, cursorAtHead } from "./push-head.ts";
import { change, seededWriter } from "../seeded-writer.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter("head-test"));
});
afterAll(() => database.drop());


/** Applies `changes` with their claims, as a push does, and asks whether the device is then at the head. */
const pushAndCheckHead = (changes: SyncChange[]) =>
  sqlPoolOf(db).transaction(async (sql) => {
    const prepared = changes.map(prepare);
    await lockDevice(sql, writer);
    const decided = await applyChanges(sql, writer, prepared, {});
    const outcomes = prepared.map((p, i) => ({ p, outcome: decided.decisions[i]!.outcome }));
    await insertClaims(sql, writer, outcomes);
    const [end] = await sql.query<{ txid: string; seq: string }>(`SELECT l."txid"::text, l."seq"::text FROM "ChangeLog" l ORDER BY l."txid" DESC, l."seq" DESC LIMIT 1`);
    const cursor: Cursor = { mode: "log", txid: end!.txid, seq: end!.seq, after: null };
    const results = outcomes.map(({ p, outcome }) => ({ index: p.index, changeId: null, entityType: p.change.entityType, entityId: p.change.entityId, duplicate: false, ...outcome }));
    return cursorAtHead(sql, writer, cursor, claimedDeletes(prepared, results));
  });

test("a push whose deletes are all the device's own answers at the head", async () => {
  const [asset, other] = [randomUUID(), randomUUID()];
  await pushAndCheckHead([change("asset", asset, "CREATE", 0, { name: "Pump" })]);
  expect(await pushAndCheckHead([change("asset", asset, "DELETE", 1), change("asset", other, "CREATE", 0, { name: "Valve" })])).not.toBeNull();
});

test("a push whose delete cascaded pulls, so the tombstones it did not ask for travel", async () => {
  const [asset, task] = [randomUUID(), randomUUID()];
  await pushAndCheckHead([change("asset", asset, "CREATE", 0, { name: "Fan" }), change("task", task, "CREATE", 0, { assetId: asset, title: "Oil" })]);
  expect(await pushAndCheckHead([change("asset", asset, "DELETE", 1)])).toBeNull();
});

test("the deletes a push asked for are its DELETE changes that hold a claim of their own", () => {
  const [kept, reused, failed, edited] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const prepared = [change("asset", kept, "DELETE", 1), change("asset", reused, "DELETE", 1), change("asset", failed, "DELETE", 1), change("asset", edited, "UPDATE", 1, { name: "x" })].map(prepare);
  const result = (i: number, outcome: object) => ({ index: i, changeId: null, entityType: "asset" as const, entityId: prepared[i]!.change.entityId, duplicate: false, ...outcome });
  const results = [
    result(0, { status: "applied", version: 2, checksum: null, mergedConflictId: null }),
    result(1, { status: "rejected", code: "CHANGE_ID_REUSED", message: "" }),
    result(2, { status: "rejected", code: "CHANGE_FAILED", message: "" }),
    result(3, { status: "applied", version: 2, checksum: "c", mergedConflictId: null }),
  ] as ChangeResult[];
  expect(claimedDeletes(prepared, results)).toEqual([{ type: "asset", id: kept }]);
});
