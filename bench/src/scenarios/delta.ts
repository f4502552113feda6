import { limits } from "@fieldsync/schema";
import { baselineLogPage, baselineSnapshotPage, logHead } from "../baseline.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { seedAssets, seedHistory } from "../seed.ts";
import type { BenchServer } from "../server.ts";
import { elapsedMs, now, summarize } from "../stats.ts";

/** An initial sync asks for the largest pages (limits.maxPageSize), a catching-up device for 1000. */
const initialPageSize = limits.maxPageSize;
const pageSize = 1000;

/** Writes `count` asset updates through the tracking trigger, 1000 per transaction. */
export async function touchAssets(server: BenchServer, count: number) {
  for (let done = 0; done < count; done += 1000) {
    await server.pool.query(
      `UPDATE "Asset" SET "location" = 'Moved ' || floor(random() * 1000), "updatedAt" = now() AT TIME ZONE 'UTC'
       WHERE ("orgId", "id") IN (SELECT "orgId", "id" FROM "Asset" WHERE "orgId" = $1 ORDER BY random() LIMIT $2)`,
      [server.orgId, Math.min(1000, count - done)],
    );
  }
}

/**
 * B3. Initial sync: a new device pulls every entity in pages of 5000 (rows/s). Delta: a device
 * caught up before the last `deltaPull` changes pulls them in pages of 1000, from a change log of
 * `deltaLogRows` rows. Baselines: the same fenced SELECTs through raw pg (baseline.ts: same
 * fence, organization and type filters as the server's), serialized with JSON.stringify.
 */
export async function deltaScenarios(server: BenchServer, options: BenchOptions): Promise<ResultRow[]> {
  const versions = Math.max(1, Math.round((options.deltaLogRows - options.deltaPull) / options.initialSyncEntities));
  await seedAssets(server.pool, server.orgId, options.initialSyncEntities);
  if (versions > 1) await seedHistory(server.pool, server.orgId, versions);
  await server.pool.query(`ANALYZE "Asset"; ANALYZE "SyncMetadata"; ANALYZE "ChangeLog"`);
  const { rows: [{ n: logRows } = { n: "0" }] } = await server.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM "ChangeLog"`);

  const initialOurs: number[] = [];
  const initialCompressed: number[] = [];
  const initialBase: number[] = [];
  let caughtUp: string | null = null;
  let entities = 0;
  const initialSync = async (deviceId: string, compressed: boolean) => {
    const t = now();
    let token: string | null = null;
    let count = 0;
    for (;;) {
      const page = await server.delta(deviceId, token, initialPageSize, compressed);
      count += page.changes.length;
      token = page.nextPageToken;
      if (!page.hasMore) return { rate: count / (elapsedMs(t) / 1000), token, count };
    }
  };
  for (let r = 0; r < options.repeats; r++) {
    const sync = await initialSync(`bench-initial-${r}`, false);
    initialOurs.push(sync.rate);
    initialCompressed.push((await initialSync(`bench-initial-br-${r}`, true)).rate);
    caughtUp = sync.token;
    entities = sync.count;
    const tb = now();
    let afterId = "";
    let baseCount = 0;
    for (;;) {
      const page = await baselineSnapshotPage(server.pool, server.orgId, afterId, initialPageSize);
      baseCount += page.count;
      if (page.count < initialPageSize || !page.lastId) break;
      afterId = page.lastId;
    }
    initialBase.push(baseCount / (elapsedMs(tb) / 1000));
  }

  const from = await logHead(server.pool, server.orgId);
  await touchAssets(server, options.deltaPull);
  const deltaOurs: number[] = [];
  const deltaBase: number[] = [];
  let pulled = 0;
  for (let r = 0; r < options.repeats; r++) {
    const t = now();
    let token = caughtUp;
    pulled = 0;
    for (;;) {
      const page = await server.delta("bench-delta", token, pageSize);
      pulled += page.changes.length;
      token = page.nextPageToken;
      if (!page.hasMore) break;
    }
    deltaOurs.push(pulled / (elapsedMs(t) / 1000));
    const tb = now();
    let position = from;
    let baseCount = 0;
    for (;;) {
      const page = await baselineLogPage(server.pool, server.orgId, position, pageSize);
      baseCount += page.count;
      if (!page.last || page.count < pageSize) break;
      position = page.last;
    }
    deltaBase.push(baseCount / (elapsedMs(tb) / 1000));
  }

  const initial = row({
    id: "B3-initial",
    scenario: `B3 initial sync of ${entities.toLocaleString("en")} entities, pages of ${initialPageSize}`,
    unit: "rows/s",
    higherIsBetter: true,
    ours: summarize(initialOurs),
    baseline: summarize(initialBase),
    baselineLabel: "raw keyset SELECT entity ⋈ metadata + JSON.stringify",
    target: "≥ 0.6× and ≥ 20,000 rows/s",
    met: null,
  });
  initial.met = initial.ratio! >= 0.6 && initial.ours.median >= 20_000;
  const compressed = row({
    id: "B3-initial-br",
    scenario: `B3 initial sync as the PWA receives it (brotli), ${entities.toLocaleString("en")} entities`,
    unit: "rows/s",
    higherIsBetter: true,
    ours: summarize(initialCompressed),
    baseline: summarize(initialBase),
    baselineLabel: "raw keyset SELECT entity ⋈ metadata + JSON.stringify, uncompressed",
    target: "— (compression's cost; ~80 % fewer bytes on the wire)",
    met: null,
  });
  const delta = row({
    id: "B3-delta",
    scenario: `B3 delta: pull ${pulled.toLocaleString("en")} changes from a ${Number(logRows).toLocaleString("en")}-row log, pages of ${pageSize}`,
    unit: "rows/s",
    higherIsBetter: true,
    ours: summarize(deltaOurs),
    baseline: summarize(deltaBase),
    baselineLabel: "raw fenced SELECT on ChangeLog (the server's fence, organization and type filters) + JSON.stringify",
    target: "≥ 0.6×",
    met: null,
  });
  delta.met = delta.ratio! >= 0.6;
  return [initial, compressed, delta];
}
