// readRange against real PostgreSQL: an event's range follows the previous one and holds every
// change in it; when more was committed than an event carries, it goes without changes (every
// device behind its end pulls) and with its size.
import { randomUUID } from "node:crypto";
import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import { liveChangeLimits } from "@fieldsync/schema";
import { logOrigin } from "@fieldsync/sync-core";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { type Writer, applyChanges, lockDevice, prepare } from "../sync/apply.ts";
import { change, seededWriter } from "../seeded-writer.ts";
import { type LogRange, readRange } from "./range.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter("range-test"));
});
afterAll(() => database.drop());

const createAssets = (count: number) =>
  sqlPoolOf(db).transaction(async (sql) => {
    await lockDevice(sql, writer);
    const changes = Array.from({ length: count }, (_, i) => prepare(change("asset", randomUUID(), "CREATE", 0, { name: `Range ${i}` }), i));
    await applyChanges(sql, writer, changes, {});
  });

/** The organization's newest log position: a range reaches it once older transactions of the cluster have ended. */
async function newest(): Promise<string> {
  const [row] = await db.$queryRaw<{ position: string }[]>`
    SELECT "txid"::text || '.' || "seq"::text AS position FROM "ChangeLog" WHERE "orgId" = ${writer.orgId} ORDER BY "txid" DESC, "seq" DESC LIMIT 1`;
  return row!.position;
}

async function rangeToNewest(after: string | null): Promise<LogRange> {
  const end = await newest();
  let range: LogRange | null = null;
  await vi.waitFor(async () => {
    range = await readRange(db, writer.orgId, after);
    expect(range?.to).toBe(end);
  }, { timeout: 30_000, interval: 50 });
  return range!;
}

test("ranges follow each other; a range with more than an event carries has its ends only", async () => {
  const seeded = await db.changeLog.count({ where: { orgId: writer.orgId } });
  expect(seeded).toBeLessThanOrEqual(liveChangeLimits.maxChanges);
  const first = await rangeToNewest(null);
  // Without an earlier event the range reaches back to the log's start when everything fits.
  expect(first.from).toBe(logOrigin);
  expect(first.changes).toHaveLength(seeded);

  await createAssets(3);
  const second = await rangeToNewest(first.to);
  expect(second.from).toBe(first.to);
  expect(second.changes?.map((c) => c.payload["name"])).toEqual(["Range 0", "Range 1", "Range 2"]);
  // Nothing new: no range.
  expect(await readRange(db, writer.orgId, second.to)).toBeNull();

  await createAssets(liveChangeLimits.maxChanges + 20);
  const third = await rangeToNewest(second.to);
  // Part of it would let no device move its token (none sits inside a transaction), and sent to a
  // whole fleet it would weigh megabytes per event: devices at `second.to` pull it.
  expect(third).toEqual({ from: second.to, to: await newest(), bytes: expect.any(Number) });
  // Its size, which the hub sizes the fleet's catch-up by: about what a pull of it answers.
  const perChange = Buffer.byteLength(JSON.stringify(second.changes)) / 3;
  expect(third.bytes! / (perChange * (liveChangeLimits.maxChanges + 20))).toBeGreaterThan(0.8);
  expect(third.bytes! / (perChange * (liveChangeLimits.maxChanges + 20))).toBeLessThan(1.2);

  // A process's first event (no earlier one to follow) with more behind it than an event
  // carries: the newest transaction alone, which every device that held the log before it takes.
  await createAssets(3);
  const firstOfProcess = await rangeToNewest(null);
  expect(firstOfProcess.from).toBe(third.to);
  expect(firstOfProcess.changes?.map((c) => c.payload["name"])).toEqual(["Range 0", "Range 1", "Range 2"]);
}, 120_000);
