// applyChanges against real PostgreSQL: what the pure decision predicts (versions, checksums,
// cascades, flush rounds) is what the tracking triggers write, change-log row by row.
import { randomUUID } from "node:crypto";
import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Writer, applyChanges, lockDevice, prepare } from "./apply.ts";
import { change, seededWriter } from "../seeded-writer.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter("apply-test"));
});
afterAll(() => database.drop());

test("a batch with repeated edits, a stale merge and a cascading delete is written exactly as decided", async () => {
  const [asset, task, other] = [randomUUID(), randomUUID(), randomUUID()];
  const changes = [
    change("asset", asset, "CREATE", 0, { name: "Pump" }),
    change("task", task, "CREATE", 0, { assetId: asset, title: "Fix" }),
    change("asset", asset, "UPDATE", 1, { notes: "a" }),
    change("task", task, "UPDATE", 1, { title: "Fix now" }),
    change("asset", asset, "UPDATE", 1, { location: "B2" }),
    change("asset", other, "CREATE", 0, { name: "Valve" }),
    change("task", task, "UPDATE", 2, { status: "DONE" }),
    change("asset", asset, "DELETE", 3),
  ].map(prepare);
  const decided = await sqlPoolOf(db).transaction(async (sql) => {
    await lockDevice(sql, writer);
    return applyChanges(sql, writer, changes, {});
  });
  expect(decided.decisions.map((d) => d.outcome.status)).toEqual(Array(8).fill("applied"));
  expect(decided.records).toHaveLength(1);

  const log = await db.changeLog.findMany({ where: { entityId: { in: [asset, task, other] } }, orderBy: { seq: "asc" } });
  const versions = (id: string) => log.filter((l) => l.entityId === id).map((l) => [l.operation, l.version, l.checksum]);
  const predicted = (id: string) => [
    ...decided.writes.filter((w) => w.id === id).map((w) => [w.operation, w.next.version, w.next.checksum]),
    // The task's tombstone comes from the asset's cascade.
    ...(id === task ? [["DELETE", 4, null]] : []),
  ];
  for (const id of [asset, task, other]) expect(versions(id)).toEqual(predicted(id));
  expect(decided.states.get(`task:${task}`)).toMatchObject({ version: 4, deleted: true });
  const metadata = await db.syncMetadata.findMany({ where: { entityId: { in: [asset, task] } }, orderBy: { entityType: "asc" } });
  expect(metadata.map((m) => [m.entityType, m.version, m.deletedAt !== null])).toEqual([["asset", 4, true], ["task", 4, true]]);
});
