import { type PushResponse, type SyncChangeInput, entityTypes } from "@fieldsync/schema";
// Not part of the package's API; the bench signs a cursor with the server's own code and secret.
import { encodeCursor } from "../../../packages/api/src/sync/cursor.ts";
import { EntityPool } from "../data.ts";
import { baselineLogPage, baselinePush, logHead } from "../baseline.ts";
import type { BenchOptions } from "../options.ts";
import type { ScalingPoint } from "../results.ts";
import { createBaselineTable, seedAssets, syncBaselineTable } from "../seed.ts";
import { type BenchServer, login, syncClient } from "../server.ts";
import { elapsedMs, now, summarize } from "../stats.ts";
import { touchAssets } from "./delta.ts";
import { batchSize } from "./push.ts";

/** Unmeasured rounds per level after its bulk load; the first round's push is reported apart. */
const warmupRounds = 3;
/** The reference organization's size at the start (each of its batches adds 50: 100 creates, 50 deletes). */
const referenceEntities = 1_000;

/**
 * Push (one B1 batch, one device) and delta-page (1000 changes) latency as the organization grows
 * to each level; the baseline table grows alike. The device's own 400 entities and the last 1000
 * changes are the same size at every level, so a flat curve means nothing scans the whole table.
 *
 * The levels are minutes apart, and this machine's speed drifts more than that between minutes, so
 * each round also pushes for a second organization (Globex, 1,000 entities and growing only by
 * its own batches, in the same tables): its figure at a level is what a small organization's push
 * costs at that moment, the yardstick the growing organization's push is read against.
 *
 * A level's bulk load is followed by what a database does after one anyway (VACUUM ANALYZE, a
 * checkpoint) before the measured rounds, so its autovacuum pass and its checkpoint's writes are
 * not billed to one level's pushes and not to another's; what the first push after the load
 * costs (cold pages, plans made again) is reported as its own figure.
 */
export async function scalingScenario(server: BenchServer, options: BenchOptions): Promise<ScalingPoint[]> {
  await createBaselineTable(server.pool);
  const own = await seedAssets(server.pool, server.orgId, 400, true);
  const ours = new EntityPool(own);
  const base = new EntityPool(own);
  const reference = await referenceOrganization(server);
  let existing = 400;
  const points: ScalingPoint[] = [];
  for (const level of options.scalingLevels) {
    if (level > existing) await seedAssets(server.pool, server.orgId, level - existing);
    existing = Math.max(existing, level);
    await syncBaselineTable(server.pool, server.orgId);
    await server.pool.query(`VACUUM (ANALYZE) "Asset", "SyncMetadata", "ChangeLog", bench_entity`);
    await server.pool.query("CHECKPOINT");
    const from = await logHead(server.pool, server.orgId);
    // A device caught up to the log head: pulling the seeded rows page by page would take minutes at 1M.
    const token = encodeCursor(server.cursorSecret, server.orgId, entityTypes, { mode: "log", ...from, after: null });
    const pushGrowing = batchPusher(ours, (changes) => server.push("bench-scale", changes, token));
    const pushSmall = batchPusher(reference.entities, reference.pushAtHead(await reference.token()));
    await touchAssets(server, 1000);
    const pushOurs: number[] = [];
    const pushReference: number[] = [];
    const pushBase: number[] = [];
    const deltaOurs: number[] = [];
    const deltaBase: number[] = [];
    let pushFirstMs = 0;
    for (let r = -warmupRounds; r < options.scalingRepeats; r++) {
      const measured = r >= 0;
      const pushMs = await pushGrowing();
      if (r === -warmupRounds) pushFirstMs = pushMs;
      if (measured) pushOurs.push(pushMs);
      const referenceMs = await pushSmall();
      if (measured) pushReference.push(referenceMs);
      const baseBatch = base.batch(batchSize);
      let t = now();
      base.record(baseBatch.changes, await baselinePush(server.pool, server.orgId, baseBatch.changes, base.live));
      if (measured) pushBase.push(elapsedMs(t));
      t = now();
      const page = await server.delta("bench-scale-reader", token, 1000);
      if (measured) deltaOurs.push(elapsedMs(t));
      if (page.changes.length !== 1000) throw new Error(`delta page had ${page.changes.length} changes`);
      t = now();
      await baselineLogPage(server.pool, server.orgId, from, 1000);
      if (measured) deltaBase.push(elapsedMs(t));
    }
    points.push({
      entities: existing,
      pushFirstMs,
      pushOursMs: summarize(pushOurs),
      pushReferenceMs: summarize(pushReference),
      pushBaselineMs: summarize(pushBase),
      deltaOursMs: summarize(deltaOurs),
      deltaBaselineMs: summarize(deltaBase),
    });
  }
  return points;
}

/** One device's B1 batches to `entities`: each call pushes one and answers its round trip (ms). */
const batchPusher = (entities: EntityPool, push: (changes: SyncChangeInput[]) => Promise<PushResponse>) => async () => {
  const batch = entities.batch(batchSize);
  const t = now();
  const response = await push(batch.changes);
  const ms = elapsedMs(t);
  entities.record(batch.changes, response.results);
  return ms;
};

/** Globex's technician on a device of its own, with 400 of its 1,000 entities to edit. */
async function referenceOrganization(server: BenchServer) {
  const { rows: [org] } = await server.pool.query<{ orgId: string }>(`SELECT "orgId" FROM "User" WHERE email = 'tech@globex.test'`);
  const orgId = org!.orgId;
  const own = await seedAssets(server.pool, orgId, referenceEntities, true);
  const accessToken = login(server.url, "bench-scale-reference", "tech@globex.test");
  const client = syncClient(server.url, () => accessToken);
  return {
    entities: new EntityPool(own.slice(0, 400)),
    /** A token at the organization's log head, as the growing organization's device has. */
    token: async () => encodeCursor(server.cursorSecret, orgId, entityTypes, { mode: "log", ...(await logHead(server.pool, orgId)), after: null }),
    pushAtHead: (token: string) => (changes: SyncChangeInput[]) => client.push("bench-scale-reference", changes, token),
  };
}
