// Pages are rendered to JSON by PostgreSQL (pull.ts) and sent without a check on the way out, so
// this property test holds the SQL to the contract: generated entity data (any storable Unicode,
// integers, instants from year 1 to 9999, nulls) is pushed, then pulled from the log and as a
// snapshot; each rendered page must pass deltaResponseSchema and say exactly what Node renders
// from the same rows (pulledChange over the ChangeLog rows, entitiesByRef's snapshotChange).
import { randomUUID } from "node:crypto";
import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import {
  type EntityData,
  type EntityType,
  type ServerChange,
  type SyncChange,
  assetSchema,
  deltaResponseSchema,
  entityTypes,
  scheduleSchema,
  taskSchema,
} from "@fieldsync/schema";
import fc from "fast-check";
import type { z } from "zod";
import { afterAll, beforeAll, expect, test } from "vitest";
import { renderedBodyOf, withRenderedChanges } from "../rendered-answer.ts";
import { change, seededWriter } from "../seeded-writer.ts";
import { type Writer, applyChanges, lockDevice, prepare } from "./apply.ts";
import type { Cursor } from "./cursor.ts";
import { entitiesByRef } from "./digests.ts";
import { type LogRow, type RenderedPage, pulledChange, pullRendered } from "./pull.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter("render-test"));
});
afterAll(() => database.drop());

const text = (maxLength: number) => fc.string({ unit: fc.oneof(fc.constantFrom("é", "😀", "\u2028", "\"", "\\", "\u0001", " "), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength });
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
const instant = fc
  .date({ min: new Date("0001-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true })
  .map((date) => date.toISOString());
/** Payloads as the push's validation hands them on (parsed: trimmed); arbitrary ones it would refuse are skipped. */
const valid = <S extends z.ZodType>(schema: S, payload: fc.Arbitrary<unknown>) =>
  payload.map((value) => schema.safeParse(value)).filter((result) => result.success).map((result) => result.data as EntityData);

const asset = valid(assetSchema, fc.record({
  name: text(30),
  serialNumber: nullable(text(20)),
  location: nullable(text(20)),
  notes: fc.option(text(40), { nil: undefined }),
  status: fc.option(fc.constantFrom("OPERATIONAL", "MAINTENANCE", "RETIRED"), { nil: undefined }),
}, { requiredKeys: ["name", "serialNumber", "location"] }));
const task = (assetId: string) =>
  valid(taskSchema, fc.record({ assetId: fc.constant(assetId), title: text(30), priority: fc.constantFrom("LOW", "URGENT"), dueAt: nullable(instant), notes: nullable(text(40)) }));
const schedule = (assetId: string) =>
  valid(scheduleSchema, fc.record({ assetId: fc.constant(assetId), title: text(30), intervalDays: fc.integer({ min: 1, max: 3650 }), nextDueAt: instant, notes: nullable(text(40)) }));

/** A push's worth of generated changes: creates of every type, an update and a delete. */
const batch = fc
  .record({ asset, again: asset, doomed: asset })
  .chain(({ asset, again, doomed }) => {
    const [assetId, doomedId] = [randomUUID(), randomUUID()];
    return fc.record({ task: task(assetId), schedule: schedule(assetId) }).map((children) => [
      change("asset", assetId, "CREATE", 0, asset),
      change("asset", doomedId, "CREATE", 0, doomed),
      change("task", randomUUID(), "CREATE", 0, children.task),
      change("schedule", randomUUID(), "CREATE", 0, children.schedule),
      change("asset", assetId, "UPDATE", 1, again),
      change("asset", doomedId, "DELETE", 1),
    ]);
  });

const push = (changes: SyncChange[]) =>
  sqlPoolOf(db).transaction(async (sql) => {
    await lockDevice(sql, writer);
    await applyChanges(sql, writer, changes.map(prepare), {});
  });

/** The newest log position: a device caught up to it. */
async function logHead(): Promise<Extract<Cursor, { mode: "log" }>> {
  const [head] = await sqlPoolOf(db).query<{ txid: string; seq: string }>(`SELECT c."txid"::text, c."seq"::text FROM "ChangeLog" c ORDER BY c."txid" DESC, c."seq" DESC LIMIT 1`);
  return { mode: "log", txid: head?.txid ?? "0", seq: head?.seq ?? "0", after: null };
}

/** The page's body as REST sends it, parsed and checked against the response schema. */
function checkedChanges(page: RenderedPage): ServerChange[] {
  const body = renderedBodyOf(withRenderedChanges(page.changes, { nextPageToken: "t", hasMore: page.hasMore, syncToken: "t", position: null, serverTime: new Date().toISOString(), progress: page.progress, resetRequired: false, evict: page.evict }));
  return deltaResponseSchema.parse(JSON.parse(body!.toString("utf8"))).changes;
}

const pullAll = (cursor: Cursor | null, locations?: string[]) =>
  pullRendered(db, { orgId: writer.orgId, types: entityTypes, cursor, limit: 5000, subscription: locations ? { locations } : null });

test("rendered log and snapshot pages pass the response schema and match Node's rendering of the same rows", async () => {
  await fc.assert(
    fc.asyncProperty(batch, async (changes) => {
      const from = await logHead();
      await push(changes);

      const log = await pullAll(from);
      const rows = await db.$queryRawUnsafe<LogRow[]>(
        `SELECT c."txid"::text, c."seq"::text, "entityType", "entityId", "operation", "version", "checksum", "data", "createdAt" FROM "ChangeLog" c
         WHERE "orgId" = $1 AND (c."txid", c."seq") > ($2::xid8, $3::bigint) ORDER BY c."txid", c."seq"`,
        writer.orgId, from.txid, from.seq,
      );
      expect(checkedChanges(log)).toEqual(rows.map(pulledChange));
      expect(log.hasMore).toBe(false);

      // A location subscription judges rows one by one: what it keeps is rendered the same.
      const location = (changes[0]!.payload as { location: string | null }).location;
      const scoped = checkedChanges(await pullAll(from, [location?.trim() || "x"]));
      for (const kept of scoped) expect(rows.map(pulledChange)).toContainEqual(kept);

      const snapshot = checkedChanges(await pullAll(null));
      const refs = snapshot.map(({ entityType, entityId }) => ({ entityType, entityId }));
      expect(snapshot).toEqual(await entitiesByRef(db, { orgId: writer.orgId, subscription: null, types: entityTypes as readonly EntityType[] }, refs));
      expect(refs).toContainEqual({ entityType: "asset", entityId: changes[0]!.entityId });
      expect(refs).not.toContainEqual({ entityType: "asset", entityId: changes[1]!.entityId });
    }),
    { numRuns: 20 },
  );
}, 300_000);
