import { randomUUID } from "node:crypto";
import { create } from "@fieldsync/testing/changes";
import { afterEach, expect, test } from "vitest";
import { privateRedis } from "./process-harness.ts";
import { type WorkerTest, setupWorkerTest, waitFor } from "./test-harness.ts";

let t: WorkerTest;
let redis: Awaited<ReturnType<typeof privateRedis>> | null = null;
afterEach(async () => {
  await t?.close();
  await redis?.kill();
});

test("with Redis down, pushes are still accepted and kept in PostgreSQL; when Redis returns empty, the relay gets every one applied", async () => {
  redis = await privateRedis();
  t = await setupWorkerTest({ inlineMaxChanges: 1, redis: redis.url });
  await redis.kill();

  const ids: string[] = [];
  const entities: string[] = [];
  for (let i = 0; i < 3; i++) {
    const batch = [randomUUID(), randomUUID()];
    entities.push(...batch);
    const response = await t.api.push("tech1", "outage-phone", batch.map((id) => create(id, { name: `During outage ${i}` })));
    for (const result of response.results) if (result.status === "queued") ids.push(result.queueItemId);
  }
  expect(ids).toHaveLength(6);
  const status = await t.api.call("tech1", "GET", "/api/sync/status");
  expect(status.body.background).toEqual({ redis: "down", mode: "degraded" });
  expect(await t.api.db.syncQueue.count({ where: { id: { in: ids }, status: "PENDING" } })).toBe(6);

  await redis.start();
  const relay = t.startRelayLoop();
  const jobs = async () => Object.values(await t.queue.queue.getJobCounts()).reduce((sum, n) => sum + n, 0);
  // (the test's own producer connection reconnects to the restarted Redis in its own time)
  await waitFor(async () => (await jobs().catch(() => 0)) > 0, 30_000, "the relay to enqueue");
  await relay.tick();
  // One job per device, not per change: the job drains its device's queue in arrival order.
  expect(await jobs()).toBe(1);
  t.startWorker();
  await t.settled(ids);
  expect(await t.api.db.asset.count({ where: { id: { in: entities } } })).toBe(6);
  expect(await t.api.db.syncQueue.count({ where: { id: { in: ids }, status: "COMPLETED" } })).toBe(6);
  await waitFor(async () => (await t.api.call("tech1", "GET", "/api/sync/status")).body.background.redis === "up", 10_000, "the server to see Redis again");
});
