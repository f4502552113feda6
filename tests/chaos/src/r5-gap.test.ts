// R5 gap test: writers whose transactions stay open 0–2 s at random commit out of start order
// while readers pull deltas in pages of 5. The union of what each reader pulled must equal every
// committed change. A negative control reads the same log with a timestamp cursor, the obvious
// design, and must miss rows: that is the hazard the pg_snapshot_xmin fence exists for.
import { randomUUID } from "node:crypto";
import type { ServerChange } from "@fieldsync/schema";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createAsset } from "./harness/client.ts";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants } from "./harness/invariants.ts";
import { prng } from "./harness/load.ts";
import { sleep, waitFor } from "./harness/processes.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R5 gap");
beforeAll(async () => {
  c = await cluster();
});
afterAll(() => log.done());

const key = (entityId: string, version: number) => `${entityId}@${version}`;

test("transactions open 0–2 s at random: delta pages of 5 miss nothing; a timestamp cursor does", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  log.note(`seed ${seed}`);
  const random = prng(seed);
  const [{ orgId }] = (await c.query<{ orgId: string }>(`SELECT "orgId" FROM "User" WHERE "email" = 'tech1@northwind.test'`)) as [{ orgId: string }];
  const pool = Array.from({ length: 12 }, () => randomUUID());
  await c.api.push("tech1", { deviceId: `r5-setup-${randomUUID()}`, changes: pool.map((id) => createAsset(id, { name: "R5 asset", notes: "v1" })) });
  const ours = new Set<string>(pool);

  // API readers catch up first (snapshot), so everything the writers do must reach them as log entries.
  const readers = await Promise.all(
    [0, 1].map(async (i) => {
      const reader = { deviceId: `r5-reader-${i}-${randomUUID()}`, token: undefined as string | undefined, seen: new Map<string, ServerChange>(), pages: 0 };
      for (;;) {
        const page = await c.api.delta("tech1", { deviceId: reader.deviceId, pageSize: 5, pageToken: reader.token });
        reader.token = page.nextPageToken;
        if (!page.hasMore) break;
      }
      return reader;
    }),
  );
  const pull = async (reader: (typeof readers)[number]) => {
    const page = await c.api.delta("tech1", { deviceId: reader.deviceId, pageSize: 5, pageToken: reader.token });
    reader.pages++;
    reader.token = page.nextPageToken;
    for (const change of page.changes) if (ours.has(change.entityId)) reader.seen.set(key(change.entityId, change.clientVersion), change);
    return page.hasMore;
  };

  // The negative control: a cursor on the log's createdAt (the writing transaction's start time).
  const [{ start }] = (await c.query<{ start: Date }>(`SELECT now() AS start`)) as [{ start: Date }];
  const byTimestamp = { cursor: start, seen: new Set<string>() };
  const pollTimestamp = async () => {
    const rows = await c.query<{ entityId: string; version: number; createdAt: Date }>(
      `SELECT "entityId", "version", "createdAt" FROM "ChangeLog" WHERE "orgId" = $1 AND "createdAt" > $2 ORDER BY "createdAt", "seq" LIMIT 5`,
      [orgId, byTimestamp.cursor],
    );
    for (const row of rows) if (ours.has(row.entityId)) byTimestamp.seen.add(key(row.entityId, row.version));
    if (rows.length) byTimestamp.cursor = rows.at(-1)!.createdAt;
    return rows.length === 5;
  };

  let writersDone = false;
  let maxTxid = 0n;
  let transactions = 0;
  const writers = [0, 1, 2, 3].map(async (w) => {
    const client = new pg.Client({ connectionString: c.postgres.url() });
    await client.connect();
    try {
      const mine = pool.filter((_, i) => i % 4 === w);
      for (let t = 0; t < 7; t++) {
        await client.query("BEGIN");
        const [{ txid }] = (await client.query<{ txid: string }>(`SELECT pg_current_xact_id()::text AS txid`)).rows as [{ txid: string }];
        if (BigInt(txid) > maxTxid) maxTxid = BigInt(txid);
        for (const id of mine.filter(() => random() < 0.6)) {
          await client.query(`UPDATE "Asset" SET "notes" = $1 WHERE "orgId" = $2 AND "id" = $3`, [`writer ${w} tx ${t}`, orgId, id]);
        }
        if (random() < 0.3) {
          const id = randomUUID();
          ours.add(id);
          await client.query(`INSERT INTO "Asset" ("orgId", "id", "name") VALUES ($1, $2, 'R5 created mid-run')`, [orgId, id]);
        }
        await sleep(Math.floor(random() * 2000));
        await client.query("COMMIT");
        transactions++;
      }
    } finally {
      await client.end();
    }
  });
  const readersDone = Promise.all([
    ...readers.map(async (reader) => {
      while (!writersDone) if (!(await pull(reader))) await sleep(20);
    }),
    (async () => {
      while (!writersDone) if (!(await pollTimestamp())) await sleep(20);
    })(),
  ]);
  await Promise.all(writers);
  writersDone = true;
  await readersDone;
  log.injected(`4 writers, ${transactions} raw SQL transactions each held open 0–2 s (seeded) while 2 API readers pulled pages of 5 and a timestamp-cursor reader polled`);

  // Drain once the fence has passed every writer's transaction: from then on nothing may be missing.
  await waitFor(async () => (await c.query<{ passed: boolean }>(`SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::text::xid8 AS passed`, [String(maxTxid)]))[0]!.passed, 30_000, "the fence to pass the writers");
  for (const reader of readers) while (await pull(reader));
  while (await pollTimestamp());

  const committed = await c.query<{ entityId: string; version: number; checksum: string | null }>(
    `SELECT "entityId", "version", "checksum" FROM "ChangeLog" WHERE "entityId" = ANY($1::text[]) AND NOT ("entityId" = ANY($2::text[]) AND "version" = 1)`,
    [[...ours], pool],
  );
  const expected = new Set(committed.map((r) => key(r.entityId, r.version)));
  expect(expected.size).toBeGreaterThan(20);
  for (const reader of readers) {
    const received = new Set([...reader.seen.keys()].filter((k) => !pool.some((id) => k === key(id, 1))));
    expect([...expected].filter((k) => !received.has(k)), `changes reader ${reader.deviceId} never received`).toEqual([]);
    expect([...received].filter((k) => !expected.has(k)), "changes received that were never committed").toEqual([]);
    for (const row of committed) expect(reader.seen.get(key(row.entityId, row.version))!.checksum).toBe(row.checksum);
  }
  log.checked(`each API reader (${readers.map((r) => `${r.pages} pages`).join(", ")}) received exactly the ${expected.size} committed changes, each with the committed checksum`);

  const missed = [...expected].filter((k) => !byTimestamp.seen.has(k));
  expect(missed.length, "the timestamp cursor should have skipped late commits").toBeGreaterThan(0);
  log.checked(`negative control: the timestamp cursor missed ${missed.length} of ${expected.size} committed changes (transactions that committed after later-started ones were read)`);
  log.checked(await checkClusterInvariants(c));
});
