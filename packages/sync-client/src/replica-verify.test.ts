import { randomUUID } from "node:crypto";
import { buildRow, checksum, idHash } from "@fieldsync/sync-core";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { expect, test } from "vitest";
import { LocalDb } from "./local-db.ts";
import { readReplica } from "./replica-verify.ts";

const rowCount = 2_500;

test("reading a large replica for verification pauses between small steps, and hashes every server copy", async () => {
  const db = new LocalDb("verify-read", { indexedDB: new IDBFactory(), IDBKeyRange });
  const rows = Array.from({ length: rowCount }, (_, i) =>
    buildRow("asset", randomUUID(), { serverData: { name: `Pump ${i}`, status: "OPERATIONAL" }, version: 1 }, [], new Date().toISOString())!,
  );
  await db.entities.bulkPut(rows);

  let pauses = 0;
  // The page's main thread runs this every 15 minutes: a browser gets to paint and answer input at each pause.
  const { entries, seen } = await readReplica(db, async () => void pauses++);

  expect(entries).toHaveLength(rowCount);
  expect(seen.size).toBe(rowCount);
  const sample = entries.find((entry) => entry.id === rows[7]!.id)!;
  expect(sample).toEqual({ type: "asset", id: rows[7]!.id, hash: await idHash(rows[7]!.id), version: 1, checksum: await checksum(rows[7]!.serverData) });
  expect(pauses).toBeGreaterThanOrEqual(rowCount / 250);
});
