import { entityTypes } from "@fieldsync/schema";
// Not part of the package's API; the bench signs a cursor with the server's own code and secret.
import { encodeCursor } from "../../../packages/api/src/sync/cursor.ts";
import { EntityPool } from "../data.ts";
import { baselineLogPage, baselinePush, logHead } from "../baseline.ts";
import type { BenchOptions } from "../options.ts";
import type { ScalingPoint } from "../results.ts";
import { createBaselineTable, seedAssets, syncBaselineTable } from "../seed.ts";
import type { BenchServer } from "../server.ts";
import { elapsedMs, now, summarize } from "../stats.ts";
import { touchAssets } from "./delta.ts";
import { batchSize } from "./push.ts";

/**
 * Push (one B1 batch, one device) and delta-page (1000 changes) latency as the organization grows
 * to each level; the baseline table grows alike. The device's own 400 entities and the last 1000
 * changes are the same size at every level, so a flat curve means nothing scans the whole table.
 */
export async function scalingScenario(server: BenchServer, options: BenchOptions): Promise<ScalingPoint[]> {
  await createBaselineTable(server.pool);
  const own = await seedAssets(server.pool, server.orgId, 400, true);
  const ours = new EntityPool(own);
  const base = new EntityPool(own);
  let existing = 400;
  const points: ScalingPoint[] = [];
  for (const level of options.scalingLevels) {
    if (level > existing) await seedAssets(server.pool, server.orgId, level - existing);
    existing = Math.max(existing, level);
    await syncBaselineTable(server.pool, server.orgId);
    await server.pool.query(`ANALYZE "Asset"; ANALYZE "SyncMetadata"; ANALYZE "ChangeLog"; ANALYZE bench_entity`);
    const from = await logHead(server.pool, server.orgId);
    // A device caught up to the log head: pulling the seeded rows page by page would take minutes at 1M.
    const token = encodeCursor(server.api.secrets.cursorSecret, server.orgId, entityTypes, { mode: "log", ...from, after: null });
    await touchAssets(server, 1000);
    const pushOurs: number[] = [];
    const pushBase: number[] = [];
    const deltaOurs: number[] = [];
    const deltaBase: number[] = [];
    for (let r = 0; r < options.repeats; r++) {
      const batch = ours.batch(batchSize);
      let t = now();
      const response = await server.push("bench-scale", batch.changes, token);
      pushOurs.push(elapsedMs(t));
      ours.record(batch.changes, response.results);
      const baseBatch = base.batch(batchSize);
      t = now();
      base.record(baseBatch.changes, await baselinePush(server.pool, server.orgId, baseBatch.changes, base.live));
      pushBase.push(elapsedMs(t));
      t = now();
      const page = await server.delta("bench-scale-reader", token, 1000);
      deltaOurs.push(elapsedMs(t));
      if (page.changes.length !== 1000) throw new Error(`delta page had ${page.changes.length} changes`);
      t = now();
      await baselineLogPage(server.pool, server.orgId, from, 1000);
      deltaBase.push(elapsedMs(t));
    }
    points.push({
      entities: existing,
      pushOursMs: summarize(pushOurs),
      pushBaselineMs: summarize(pushBase),
      deltaOursMs: summarize(deltaOurs),
      deltaBaselineMs: summarize(deltaBase),
    });
  }
  return points;
}
