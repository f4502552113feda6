// `pnpm --filter @fieldsync/bench profile:push [--pushes=N] [--stale=0.2] [--entities=1000000] [--queued]`: where a 500-change B1 push spends
// its time, statement by statement. Runs the push procedure in this process (zod input parse,
// middlewares, pushChanges; no HTTP) on a fresh test database, times every statement on the push
// pool and every Prisma operation, and prints the median per statement over N measured pushes
// (after warm-up ones): wall time, and for the push pool's statements the PostgreSQL backend's CPU
// time (from /proc, so it holds on a loaded machine where wall times do not); "node CPU" is this
// process's CPU time for the whole procedure. Then the statements of one more push are replayed
// (each time rolled back) on node-postgres and on postgres.js, one after another and pipelined,
// to compare the drivers on the push's own statements (driver-replay.ts). Last, the same-work
// baseline (same-work.ts) pushes N batches of the same shape on copies of the tables as they are
// then: its PostgreSQL CPU per batch (and this process's, building parameters and reading
// answers), to set against the push's CPU per batch, which is what decides B1/B2's ratios on a
// CPU-bound machine. With --queued the pushes are B5's (`async`, stored PENDING) and each is then
// applied by the worker's job (processQueuedChange) in this process: the push's statements are
// labelled "push", the job's "job", and node CPU is given for each.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { type ApiConfig, createCaller, processQueuedChange, seedDemoData } from "@fieldsync/api";
import { type Sql, type SqlPool, attachSqlPool, createSqlPool } from "@fieldsync/db";
import { createTestDatabase } from "@fieldsync/db/testing";
import pg from "pg";
import { EntityPool } from "./data.ts";
import { type Statement, replayOnDrivers } from "./driver-replay.ts";
import { nodePostgres } from "./drivers.ts";
import { createSameWork, sameWorkPush } from "./same-work.ts";
import { seedAssets } from "./seed.ts";

const pushes = Number(process.argv.find((a) => a.startsWith("--pushes="))?.slice(9) ?? 15);
/** B2's share of updates based on an older version (conflicts and merges); 0 is B1. */
const staleShare = Number(process.argv.find((a) => a.startsWith("--stale="))?.slice(8) ?? 0);
/** The organization's entities (at least the device's 2,000): the scaling row's 1M shows which statement grows with it. */
const entityCount = Number(process.argv.find((a) => a.startsWith("--entities="))?.slice(11) ?? 0);
/** B5's queued pushes, each applied by the worker's job after it (see the header). */
const queued = process.argv.includes("--queued");
const warmup = 5;
const batchSize = 500;

type Timings = Map<string, { wall: number; cpu: number }[]>;
let current: Timings = new Map();
/** "push" or "job" in --queued mode: which side a statement ran on. */
let phase = "";
/** When set, the push pool's statements are kept here (for the driver replay). */
let captured: Statement[] | null = null;
const record = (name: string, wall: number, cpu = 0) => {
  const label = phase ? `${phase.padEnd(4)} ${name}` : name;
  current.set(label, [...(current.get(label) ?? []), { wall, cpu }]);
};

/** CPU time (ms) a PostgreSQL backend on this machine has used so far. */
const backendCpu = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;

/** A statement's label: its first words, without parameters. */
const labelOf = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 70);

/** Thrown to roll a captured push back while its caller sees it succeed. */
class RolledBack {
  constructor(readonly result: unknown) {}
}

function timedPool(pool: SqlPool): SqlPool {
  const timedTransaction = <T>(fn: (sql: Sql) => Promise<T>) =>
    pool.transaction(async (sql) => {
      const [{ pid }] = (await sql.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")) as [{ pid: number }];
      const timed: Sql = {
        query: async (text, values) => {
          captured?.push({ text, values: values ?? [] });
          const start = performance.now();
          const cpu = backendCpu(pid);
          try {
            return await sql.query(text, values);
          } finally {
            record(`pg   ${labelOf(text)}`, performance.now() - start, backendCpu(pid) - cpu);
          }
        },
      };
      const result = await fn(timed);
      // A captured push leaves nothing behind, so its statements can be replayed as they ran.
      if (captured) throw new RolledBack(result);
      return result;
    });
  return {
    transaction: <T>(fn: (sql: Sql) => Promise<T>) =>
      timedTransaction(fn).catch((error: unknown) => {
        if (error instanceof RolledBack) return error.result as T;
        throw error;
      }),
    query: async (text, values) => {
      const start = performance.now();
      try {
        return await pool.query(text, values);
      } finally {
        record(`pool ${labelOf(text)}`, performance.now() - start);
      }
    },
    end: () => pool.end(),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main() {
  const database = await createTestDatabase();
  try {
    await seedDemoData(database.db);
    const db = database.db.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          const start = performance.now();
          try {
            return await query(args);
          } finally {
            record(`prisma ${model ?? ""}.${operation}`, performance.now() - start);
          }
        },
      },
    }) as unknown as typeof database.db;
    const pool = timedPool(createSqlPool(database.url));
    attachSqlPool(db, () => pool);
    const user = await database.db.user.findFirstOrThrow({ where: { email: "tech1@northwind.test" } });
    const raw = new pg.Pool({ connectionString: database.url });
    // Dropping the database on a failure ends its idle connections: not an error of its own.
    raw.on("error", () => undefined);
    const ids = await seedAssets(raw, user.orgId, 2_000, true);
    if (entityCount > ids.length) await seedAssets(raw, user.orgId, entityCount - ids.length);
    await raw.query("ANALYZE");
    const config: ApiConfig = {
      jwtSecret: "x".repeat(32), jwtIssuer: "fieldsync", jwtAudience: "fieldsync", jwtTtlSeconds: 900, refreshTtlSeconds: 86_400,
      loginMaxAttempts: 5, loginWindowSeconds: 60, maxDevicesPerUser: 10, cursorSecret: "y".repeat(32), inlineMaxChanges: 10_000,
    };
    const deviceId = `profile-${randomUUID()}`;
    const caller = createCaller({
      db, config, queue: null, cache: null, ip: null,
      user: { id: user.id, orgId: user.orgId, email: user.email, role: user.role },
      session: { deviceId, sessionId: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000) },
    });
    const entities = new EntityPool(ids);
    // Caught up, as B1's and the scaling row's devices are (a log cursor at the head: no initial sync, whose pages a push
    // would otherwise read): the log after this instant, which holds nothing yet.
    let syncToken: string | null = null;
    for (let page = await caller.sync.delta({ deviceId, lastSyncTimestamp: new Date().toISOString() }); ; page = await caller.sync.delta({ deviceId, pageToken: page.nextPageToken })) {
      syncToken = page.nextPageToken;
      if (!page.hasMore) break;
    }
    const runs: Timings[] = [];
    const totals: number[] = [];
    const nodeCpu: number[] = [];
    for (let i = 0; i < warmup + pushes; i++) {
      const { changes } = entities.batch(batchSize, i < warmup ? 0 : staleShare);
      current = new Map();
      const start = performance.now();
      const cpu = process.cpuUsage();
      if (queued) phase = "push";
      // As the sync client and B1 push: the device's own results only (pull: false), others' changes by delta.
      let answer = await caller.sync.push({ deviceId, syncToken, changes, pull: false, ...(queued && { async: true }) });
      const pushCpu = process.cpuUsage(cpu);
      if (queued) {
        phase = "job";
        const queueIds = answer.results.map((r) => (r.status === "queued" ? r.queueItemId : ""));
        await processQueuedChange({ db }, queueIds[0]!, { maxAttempts: 3, lockTimeoutMs: 5_000 });
        phase = "";
        const { rows } = await raw.query<{ id: string; result: (typeof answer.results)[number] }>(`SELECT "id", "result" FROM "SyncQueue" WHERE "id" = ANY($1::text[])`, [queueIds]);
        const results = new Map(rows.map((r) => [r.id, r.result]));
        answer = { ...answer, results: queueIds.map((id) => results.get(id)!) };
      }
      const total = performance.now() - start;
      const used = process.cpuUsage(cpu);
      if (i >= warmup && queued) {
        record("node CPU of the push", 0, (pushCpu.user + pushCpu.system) / 1000);
        record("node CPU of the job", 0, (used.user + used.system - pushCpu.user - pushCpu.system) / 1000);
      }
      if (answer.results.some((r) => r.status !== "applied" && (staleShare === 0 || r.status !== "conflict"))) throw new Error(`a change was neither applied nor a conflict: ${JSON.stringify(answer.results.find((r) => r.status !== "applied"))}`);
      entities.record(changes, answer.results);
      syncToken = answer.syncToken;
      if (i >= warmup) {
        runs.push(current);
        totals.push(total);
        nodeCpu.push((used.user + used.system) / 1000);
      }
    }
    const labels = [...new Set(runs.flatMap((run) => [...run.keys()]))];
    const rows = labels.map((label) => {
      const sum = (run: Timings, of: "wall" | "cpu") => (run.get(label) ?? []).reduce((a, b) => a + b[of], 0);
      return { label, calls: (runs[0]!.get(label) ?? []).length, wall: median(runs.map((run) => sum(run, "wall"))), cpu: median(runs.map((run) => sum(run, "cpu"))) };
    });
    const ms = (n: number) => n.toFixed(1).padStart(7);
    console.log(`${pushes} pushes of ${batchSize} changes (70 % updates, 20 % creates, 10 % deletes; ${staleShare * 100} % stale); medians per push, ms`);
    console.log(`   wall   pg CPU  calls`);
    for (const row of rows.sort((a, b) => b.wall - a.wall)) console.log(`${ms(row.wall)}  ${row.cpu ? ms(row.cpu) : "       "}  ${String(row.calls).padStart(2)}×  ${row.label}`);
    const pgCpu = median(runs.map((run) => [...run].filter(([label]) => !label.startsWith("node")).flatMap(([, t]) => t).reduce((a, b) => a + b.cpu, 0)));
    console.log(`${ms(median(nodeCpu))}           node CPU (parse, decide, serialize, drivers)`);
    console.log(`${ms(pgCpu)}           pg CPU of the push pool's statements`);
    console.log(`${ms(median(totals))}           total wall (${(batchSize / (median(totals) / 1000)).toFixed(0)} changes/s on one connection)`);
    captured = [];
    await caller.sync.push({ deviceId, syncToken, changes: entities.batch(batchSize).changes });
    await replayOnDrivers(database.url, captured, pushes).catch((error: unknown) => console.error("replay failed:", error));
    captured = null;
    await profileSameWork(raw, user, (await database.db.syncClient.findFirstOrThrow({ where: { deviceId } })).id, entities, ms(median(nodeCpu) + pgCpu));
    await raw.end();
    await pool.end();
  } finally {
    await database.drop();
  }
}

/** The same-work baseline's CPU per batch of the same shape, on copies of the organization's tables as they are now. */
async function profileSameWork(raw: pg.Pool, user: { id: string; orgId: string }, clientId: string, ours: EntityPool, oursCpu: string) {
  const statement = await createSameWork(raw, user.orgId);
  // As the bench does: without statistics on the copies the planner picks poor joins.
  await raw.query("ANALYZE");
  const entities = new EntityPool();
  for (const [id, version] of ours.live) entities.live.set(id, version);
  const client = await raw.connect();
  try {
    const [{ pid }] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows as [{ pid: number }];
    const query = nodePostgres(client as unknown as pg.Pool);
    const pgCpu: number[] = [];
    const nodeCpu: number[] = [];
    for (let i = 0; i < warmup + pushes; i++) {
      const { changes } = entities.batch(batchSize, i < warmup ? 0 : staleShare);
      const backend = backendCpu(pid);
      const cpu = process.cpuUsage();
      const results = await sameWorkPush(query, statement, user.orgId, { clientId, userId: user.id }, changes);
      const used = process.cpuUsage(cpu);
      entities.record(changes, results);
      if (i >= warmup) {
        pgCpu.push(backendCpu(pid) - backend);
        nodeCpu.push((used.user + used.system) / 1000);
      }
    }
    const ms = (n: number) => n.toFixed(1).padStart(7);
    console.log(`\nsame-work baseline, ${pushes} batches of the same shape; medians per batch, ms`);
    console.log(`${ms(median(pgCpu))}           pg CPU (one statement)`);
    console.log(`${ms(median(nodeCpu))}           node CPU (parameters, driver)`);
    console.log(`${ms(median(pgCpu) + median(nodeCpu))}           total CPU (the push's: ${oursCpu.trim()} without HTTP)`);
  } finally {
    client.release();
  }
}

await main();
