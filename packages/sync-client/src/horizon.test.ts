// A device that comes back after the change log's horizon moved past its cursor (the weeks it
// missed were dropped, the tombstones it never saw purged): the server answers resetRequired, the
// device rebuilds from a snapshot and still pushes its outbox, every queued change exactly once and
// without a false conflict, a change whose first answer was lost included.
import { sqlPoolOf } from "@fieldsync/db";
import { passTime } from "@fieldsync/testing/horizon";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loggedInDevice, lossyFetch } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** A fetch that passes `inner` through and notes every sync answer's resetRequired. */
function resetSpy(inner: typeof fetch) {
  const resets: boolean[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const response = await inner(input, init);
    if (/\/api\/sync(\/delta)?$/.test(String(input)) && response.ok) {
      const body = (await response.clone().json()) as { resetRequired?: boolean };
      resets.push(body.resetRequired === true);
    }
    return response;
  };
  return { fetch: fetchFn, resets };
}

const logRows = async (entityId: string) =>
  (await sqlPoolOf(server.db).query<{ operation: string }>(`SELECT "operation" FROM "ChangeLog" WHERE "entityId" = $1 ORDER BY "txid", "seq"`, [entityId])).map(
    (row) => row.operation,
  );

test("a device whose cursor predates the horizon resets from a snapshot and its outbox lands exactly once", async () => {
  const lossy = lossyFetch();
  const spy = resetSpy(lossy.fetch);
  const away = await loggedInDevice(server.url, "tech1@northwind.test", { name: "away", fetch: spy.fetch });
  const other = await loggedInDevice(server.url, "tech2@northwind.test", { name: "other" });
  await other.engine.sync();
  const kept = await other.engine.store.create("asset", { name: "Kept pump" });
  const doomed = await other.engine.store.create("asset", { name: "Doomed valve" });
  await other.engine.sync();
  await away.engine.sync();
  expect(await away.engine.store.get("asset", doomed)).toMatchObject({ version: 1, deleted: 0 });

  // While `away` is offline: the other device deletes one asset (a tombstone `away` never sees).
  await other.engine.store.remove("asset", doomed);
  await other.engine.sync();
  // `away` queues work: an edit of an asset it holds, a new asset, and a push whose answer is lost
  // (the server applied it; the device still holds it in its outbox).
  await away.engine.store.update("asset", kept, { location: "Roof" });
  const created = await away.engine.store.create("asset", { name: "Offline compressor" });
  lossy.state.dropping = true;
  await away.engine.sync().catch(() => undefined);
  lossy.state.dropping = false;
  expect(lossy.state.dropped).toBeGreaterThan(0);
  const answered = await away.engine.store.create("asset", { name: "Queued later" });

  // Sixty days on: every week written so far is past the 30-day horizon.
  const outcome = await passTime(server.db, 60);
  expect(outcome.droppedPartitions.length).toBeGreaterThan(0);
  expect(outcome.purgedTombstones).toBeGreaterThan(0);
  expect(outcome.purgedClaims).toBe(0);
  expect(await logRows(kept)).toEqual([]);

  // Pushes and pulls go on after the drop (the other device, past the horizon too, resets alike).
  const later = await other.engine.store.create("asset", { name: "Written after the drop" });
  expect(await other.engine.sync()).toMatchObject({ applied: 1, conflicts: 0, failed: 0 });

  spy.resets.length = 0;
  const report = await away.engine.sync();
  expect(spy.resets[0]).toBe(true);
  // The lost-answer push (an edit and a create) is a duplicate: its claims are within retention.
  expect(report).toMatchObject({ duplicates: 2, conflicts: 0, rejected: 0, failed: 0 });
  expect(await away.engine.store.outbox()).toEqual([]);
  expect(await away.engine.store.conflicts()).toEqual([]);
  // The snapshot has no tombstone for the deleted asset: the reset drops it from the device.
  expect(await away.engine.store.get("asset", doomed)).toBeUndefined();
  expect(await away.engine.store.get("asset", kept)).toMatchObject({ pending: 0, data: { location: "Roof" } });
  expect(await away.engine.store.get("asset", later)).toMatchObject({ version: 1, pending: 0 });
  for (const id of [created, answered]) expect(await away.engine.store.get("asset", id)).toMatchObject({ version: 1, pending: 0 });

  // Exactly once on the server: the lost-answer push was recognised by its claim, not applied again.
  const meta = await sqlPoolOf(server.db).query<{ entityId: string; version: number }>(
    `SELECT "entityId", "version" FROM "SyncMetadata" WHERE "entityId" = ANY($1::text[])`,
    [[kept, created, answered]],
  );
  expect(Object.fromEntries(meta.map((m) => [m.entityId, m.version]))).toEqual({ [kept]: 2, [created]: 1, [answered]: 1 });
  expect(await logRows(created)).toEqual([]);
  expect(await logRows(answered)).toEqual(["CREATE"]);

  // And the device is at the head again: its next sync is an ordinary one.
  spy.resets.length = 0;
  expect(await away.engine.sync()).toMatchObject({ pushed: 0, received: 0 });
  expect(spy.resets.every((reset) => !reset)).toBe(true);
  away.close();
  other.close();
});
