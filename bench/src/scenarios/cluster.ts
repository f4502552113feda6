import { cpus } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { startTestCluster } from "@fieldsync/testing/cluster";
import { EntityPool } from "../data.ts";
import { nodePostgres } from "../drivers.ts";
import type { BenchOptions } from "../options.ts";
import { type ResultRow, row } from "../results.ts";
import { createSameWork, sameWorkPush } from "../same-work.ts";
import { seedAssets } from "../seed.ts";
import { benchServerEnv, deleteKeys, login, redisUrl, syncClient } from "../server.ts";
import { elapsedMs, inParallel, now, percentile, summarize } from "../stats.ts";
import { batchSize, caughtUpToken } from "./push.ts";

// C1: B1's push (batches of 500, each device its own entities) through HAProxy to 2 server nodes
// and to 1, on one database, with the same-work statement (raw SQL from this process) at the same
// concurrency as the baseline, in rotating rounds. "1 node" is the same cluster with server2 taken
// out of rotation through HAProxy's runtime API, so the balancer hop, the database and its data
// are the same on both sides.

const devices = 8;
const poolPerDevice = 400;
type Side = "twoNodes" | "oneNode" | "same";

/** The C1 rows; `describe` is handed the cluster's database and Redis first (the machine description of a run). */
export async function clusterScenario(options: BenchOptions, describe: (pool: pg.Pool, redis: Redis) => Promise<void>): Promise<ResultRow[]> {
  const cluster = await startTestCluster({ servers: 2, workers: 0, env: benchServerEnv });
  const pool = new pg.Pool({ connectionString: cluster.databaseUrl, max: 20, options: "-c TimeZone=UTC" });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    await describe(pool, redis);
    return await measure(cluster, pool, options);
  } finally {
    await pool.end();
    await cluster.stop();
    await deleteKeys(redis, `${cluster.prefix}:*`);
    redis.disconnect();
  }
}

async function measure(cluster: Awaited<ReturnType<typeof startTestCluster>>, pool: pg.Pool, options: BenchOptions): Promise<ResultRow[]> {
  const [org] = (await pool.query<{ orgId: string }>(`SELECT "orgId" FROM "User" WHERE email = 'tech1@northwind.test'`)).rows;
  const orgId = org!.orgId;
  // Ours and the baseline each edit their own copy of the same entities (the baseline's tables are copies).
  const ids = await seedAssets(pool, orgId, devices * poolPerDevice, true);
  const tokens = new Map<string, Promise<string>>();
  const client = syncClient(cluster.url, (deviceId) => tokens.get(deviceId) ?? tokens.set(deviceId, login(cluster.url, deviceId)).get(deviceId)!);
  const baseDevice = (d: number) => `bench-cluster-base-${d}`;
  await inParallel(devices, (d) => client.push(baseDevice(d), []));
  const statement = await createSameWork(pool, orgId);
  const { rows: clients } = await pool.query<{ deviceId: string; clientId: string; userId: string }>(
    `SELECT "deviceId", "id" AS "clientId", "userId" FROM "SyncClient" WHERE "orgId" = $1 AND "deviceId" LIKE 'bench-cluster-base-%'`,
    [orgId],
  );
  const baseline = new Map(clients.map((c) => [c.deviceId, c]));
  await pool.query("ANALYZE");
  const chunk = (d: number) => ids.slice(d * poolPerDevice, (d + 1) * poolPerDevice);
  // Both cluster sides edit the same rows through the endpoint, one round after the other.
  const ours = Array.from({ length: devices }, (_, d) => new EntityPool(chunk(d)));
  const same = Array.from({ length: devices }, (_, d) => new EntityPool(chunk(d)));
  const start = await caughtUpToken(client, "bench-cluster-0");
  const syncTokens = Array.from({ length: devices }, () => start as string | null);

  const pushOn = async (side: Side, d: number) => {
    const entities = side === "same" ? same[d]! : ours[d]!;
    const { changes } = entities.batch(batchSize);
    if (side === "same") return entities.record(changes, await sameWorkPush(nodePostgres(pool), statement, orgId, baseline.get(baseDevice(d))!, changes));
    const answer = await client.push(`bench-cluster-${d}`, changes, syncTokens[d]);
    syncTokens[d] = answer.syncToken;
    entities.record(changes, answer.results);
  };
  const run = async (side: Side) => {
    const latencies: number[] = [];
    const t0 = now();
    await inParallel(devices, async (d) => {
      for (let b = 0; b < options.batchesPerDevice; b++) {
        const t = now();
        await pushOn(side, d);
        latencies.push(elapsedMs(t));
      }
    });
    return { rate: (devices * options.batchesPerDevice * batchSize) / (elapsedMs(t0) / 1000), latencies };
  };
  const sides: Side[] = ["twoNodes", "oneNode", "same"];
  const setSide = async (side: Side) => {
    await cluster.setServerEnabled("server2", side !== "oneNode");
  };
  // Warm-up, not measured: each node's first pushes are slower.
  for (const side of sides) {
    await setSide(side);
    await run(side);
  }
  const before = await pushesPerNode(cluster.servers);
  const out = Object.fromEntries(sides.map((side) => [side, { rates: [] as number[], latencies: [] as number[] }])) as Record<Side, { rates: number[]; latencies: number[] }>;
  for (let r = 0; r < options.pushRepeats; r++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(r + i) % sides.length]!;
      await setSide(side);
      const result = await run(side);
      out[side].rates.push(result.rate);
      out[side].latencies.push(...result.latencies);
    }
  }
  const after = await pushesPerNode(cluster.servers);
  await setSide("twoNodes");

  const latency = (side: Side) => `${percentile(out[side].latencies, 50).toFixed(0)} / ${percentile(out[side].latencies, 99).toFixed(0)} ms`;
  const spread = cluster.servers.map((s) => `${s.name} ${after.get(s.name)! - before.get(s.name)!}`).join(", ");
  const batches = `${options.batchesPerDevice} batch${options.batchesPerDevice === 1 ? "" : "es"}`;
  const scenario = (nodes: string) => `C1 push through HAProxy to ${nodes}, ${devices} devices × ${batches} of ${batchSize}`;
  const sameLabel = "same durable work, one set-based statement per batch (raw SQL, node-postgres), same concurrency";
  const [two, one, raw] = [summarize(out.twoNodes.rates).median, summarize(out.oneNode.rates).median, summarize(out.same.rates).median];
  const why =
    `${cpus().length} cores for everything: the load generator, HAProxy, the nodes and PostgreSQL. A push's time is Node's share ` +
    "(parse, validate, answer) plus the database's; a second node runs the Node share on another core only when one is idle, " +
    `and here none is, so it cannot scale much. The database doing the same work alone (same-work baseline) reached ${raw.toFixed(0)} changes/s: ` +
    `1 node ${((one / raw) * 100).toFixed(0)} % of it, 2 nodes ${((two / raw) * 100).toFixed(0)} %. With spare cores, nodes added ` +
    "take the Node share in parallel and throughput climbs toward that database bound (then past it only with more database cores or shards)";
  return [
    row({ id: "C1-2", scenario: scenario("2 server nodes"), unit: "changes/s", higherIsBetter: true, ours: summarize(out.twoNodes.rates), baseline: summarize(out.same.rates), baselineLabel: sameLabel, target: "informational", met: null, note: `batch p50 / p99 ${latency("twoNodes")} (baseline ${latency("same")}); pushes answered per node over the measured rounds of both cluster sides: ${spread}` }),
    row({ id: "C1-1", scenario: scenario("1 server node"), unit: "changes/s", higherIsBetter: true, ours: summarize(out.oneNode.rates), baseline: summarize(out.same.rates), baselineLabel: sameLabel, target: "informational", met: null, note: `batch p50 / p99 ${latency("oneNode")}; server2 out of rotation (HAProxy maintenance)` }),
    row({ id: "C1-scale", scenario: "C1 2 server nodes against 1, same cluster, same rounds", unit: "changes/s", higherIsBetter: true, ours: summarize(out.twoNodes.rates), baseline: summarize(out.oneNode.rates), baselineLabel: "1 server node behind the same balancer", target: "informational: > 1 needs spare cores", met: null, note: why }),
  ];
}

/** Pushes each server node has answered so far, from its own /metrics (open on its loopback port). */
async function pushesPerNode(servers: { name: string; url: string }[]): Promise<Map<string, number>> {
  const counts = await Promise.all(
    servers.map(async (server) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const lines = text.split("\n").filter((line) => line.startsWith("fieldsync_sync_duration_seconds_count{") && line.includes('endpoint="push"'));
      return [server.name, lines.reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0)] as const;
    }),
  );
  return new Map(counts);
}
