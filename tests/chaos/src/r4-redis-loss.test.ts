// R4 Redis loss: redis-server is SIGKILLed under queued-push load and comes back empty (every
// job and lock gone). Pushes keep being accepted meanwhile; the relay re-enqueues the PENDING rows
// from PostgreSQL; every accepted change is applied exactly once.
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants, queueSettled } from "./harness/invariants.ts";
import { SimulatedDevice, checkModels, prng } from "./harness/load.ts";
import { sleep, waitFor } from "./harness/processes.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R4 Redis loss");
beforeAll(async () => {
  c = await cluster();
});
afterAll(() => log.done());

test("kill -9 redis-server under queued load and start it empty: nothing accepted is lost", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  log.note(`load seed ${seed}`);
  const random = prng(seed);
  const devices = (["tech1", "tech2", "tech1"] as const).map((user) => new SimulatedDevice(c, user, { async: true, maxChanges: 5, pauseMs: 50 }));
  await Promise.all(devices.map((d) => c.api.token(d.user, d.deviceId)));
  let stopping = false;
  const load = Promise.all(devices.map((d) => d.run(() => stopping, random)));

  await sleep(1500);
  const probe = c.redis.client();
  const jobsBefore = await probe.dbsize();
  probe.disconnect();
  await c.redis.kill();
  log.injected(`redis-server SIGKILLed under queued-push load from 3 devices (${jobsBefore} keys in Redis at the time); down 3 s, then started empty`);
  await sleep(500);
  const status = await c.api.get<{ background: { redis: string; mode: string } }>("tech1", "/api/sync/status");
  await sleep(2500);
  const pendingWhileDown = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "SyncQueue" WHERE "status" = 'PENDING'`))[0]!.n;
  await c.redis.start();
  await sleep(2000);
  stopping = true;
  await load;

  const attempts = devices.flatMap((d) => d.attempts);
  expect(attempts.filter((a) => a.status !== 200).slice(0, 5), "pushes refused while Redis was down").toEqual([]);
  expect(status.background).toEqual({ redis: "down", mode: "degraded" });
  log.checked(`all ${attempts.length} pushes answered 200 (queued) through the outage; /api/sync/status said redis down, degraded; ${pendingWhileDown} changes PENDING in PostgreSQL while Redis was gone`);

  await queueSettled(c, 120_000);
  const rows = await c.query<{ status: string; n: number }>(
    `SELECT q."status", count(*)::int AS n FROM "SyncQueue" q JOIN "SyncClient" d ON d."id" = q."clientId" WHERE d."deviceId" = ANY($1::text[]) GROUP BY 1`,
    [devices.map((d) => d.deviceId)],
  );
  const changes = devices.reduce((n, d) => n + d.changesSent, 0);
  expect(rows).toEqual([{ status: "COMPLETED", n: expect.any(Number) }]);
  const entities = await checkModels(c, devices);
  log.checked(`${changes} changes sent, every SyncQueue row COMPLETED; ${entities} entities at exactly the model's version and data (versions 1..n once each)`);
  await waitFor(async () => (await c.api.get<{ background: { redis: string } }>("tech1", "/api/sync/status")).background.redis === "up", 30_000, "the server to see Redis again");
  log.checked(await checkClusterInvariants(c));
});
