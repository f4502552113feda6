// R6 convergence model: fast-check drives 3–5 simulated devices (the real @fieldsync/sync-client
// engine over fake-indexeddb, talking HTTP to the server process) through random offline creates,
// edits and deletes, partitions (syncs that cannot reach the server), reorderings (any device
// syncs at any time) and duplicated deliveries (a push whose answer is lost is sent again).
// Then everything quiesces: all devices and the server must hold identical state, every conflict
// must be recorded once, and no device may ever have seen an entity's version go backwards.
import { ApiError, LocalDb, NetworkError, SyncEngine } from "@fieldsync/sync-client";
import { canonicalJson, checksum } from "@fieldsync/sync-core";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants } from "./harness/invariants.ts";
import { sleep } from "./harness/processes.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R6 convergence");
beforeAll(async () => {
  c = await cluster();
});
afterAll(() => log.done());

// Globex: an organization no other scenario writes to, so the model is the whole organization.
const email = "tech@globex.test";
type Transport = "ok" | "lose-answer" | "offline";
type Action =
  | { kind: "create"; d: number }
  | { kind: "edit"; d: number; pick: number; field: "notes" | "location"; value: string }
  | { kind: "delete"; d: number; pick: number }
  | { kind: "sync"; d: number; transport: Transport };

const actions = (devices: number) => {
  const d = fc.nat(devices - 1);
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("create" as const), d }) },
    // Two fields: edits of the same field conflict, edits of different fields merge on the server.
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("edit" as const), d, pick: fc.nat(), field: fc.constantFrom("notes" as const, "location" as const), value: fc.constantFrom("red", "green", "blue") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), d, pick: fc.nat() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("sync" as const), d, transport: fc.constantFrom<Transport>("ok", "ok", "lose-answer", "offline") }) },
  );
};

interface Device {
  engine: SyncEngine;
  db: LocalDb;
  transport: Transport;
  /** Highest version seen per entity: must never go down. */
  seen: Map<string, number>;
}

let runCounter = 0;
const stats = { runs: 0, actions: 0, lostAnswers: 0, offlineSyncs: 0, conflictsResolved: 0, rejections: new Map<string, number>() };

function openDevice(run: number, index: number): Device {
  const device: Device = { engine: null as unknown as SyncEngine, db: null as unknown as LocalDb, transport: "ok", seen: new Map() };
  const fetchFn: typeof fetch = async (input, init) => {
    if (device.transport === "offline") throw new TypeError("network unreachable (partition)");
    const response = await fetch(input, init);
    if (device.transport === "lose-answer" && String(input).endsWith("/api/sync")) {
      await response.arrayBuffer();
      stats.lostAnswers++;
      throw new TypeError("connection reset (answer lost)");
    }
    return response;
  };
  device.db = new LocalDb(`r6-${run}-${index}`, { indexedDB: new IDBFactory(), IDBKeyRange });
  device.engine = new SyncEngine({ db: device.db, baseUrl: c.server.url, fetch: fetchFn, deviceName: `R6 device ${index}`, pageSize: 50 });
  return device;
}

async function checkMonotonic(device: Device) {
  for (const row of await device.db.entities.toArray()) {
    const key = `${row.type}:${row.id}`;
    const before = device.seen.get(key) ?? 0;
    expect(row.version, `version of ${key} went backwards on a device`).toBeGreaterThanOrEqual(before);
    device.seen.set(key, row.version);
  }
}

async function syncQuietly(device: Device) {
  try {
    await device.engine.sync();
  } catch (error) {
    if (!(error instanceof NetworkError) && !(error instanceof ApiError && error.status === 503)) throw error;
  }
  await checkMonotonic(device);
}

async function snapshotOf(device: Device) {
  const rows = await device.db.entities.filter((row) => row.deleted === 0).toArray();
  return rows.map((r) => ({ key: `${r.type}:${r.id}`, version: r.version, data: r.data, pending: r.pending })).sort((a, b) => a.key.localeCompare(b.key));
}

async function serverState(orgId: string) {
  const rows = await c.query<{ entityType: string; entityId: string; version: number; checksum: string }>(
    `SELECT "entityType", "entityId", "version", "checksum" FROM "SyncMetadata" WHERE "orgId" = $1 AND "deletedAt" IS NULL ORDER BY 1, 2`,
    [orgId],
  );
  return rows.map((r) => ({ key: `${r.entityType}:${r.entityId}`, version: r.version, checksum: r.checksum })).sort((a, b) => a.key.localeCompare(b.key));
}

/** Everyone online; sync, resolve open conflicts (server wins), drop rejected edits, until all agree. */
async function quiesce(devices: Device[], orgId: string) {
  for (const device of devices) device.transport = "ok";
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const device of devices) await syncQuietly(device);
    for (const conflict of await devices[0]!.engine.store.conflicts()) {
      if (conflict.resolvedAt) continue;
      await devices[0]!.engine.resolveConflict(conflict.id, "SERVER_WINS").then(
        () => stats.conflictsResolved++,
        (error) => {
          if (!(error instanceof ApiError && ["CONFLICT_ALREADY_RESOLVED", "CONFLICT_STALE"].includes(error.code))) throw error;
        },
      );
    }
    for (const device of devices) {
      for (const entry of await device.engine.store.outbox()) {
        if (entry.status !== "failed") continue;
        stats.rejections.set(entry.error?.code ?? "?", (stats.rejections.get(entry.error?.code ?? "?") ?? 0) + 1);
        await device.engine.store.discard(entry.seq!);
      }
    }
    const views = await Promise.all(devices.map(snapshotOf));
    const outboxes = await Promise.all(devices.map((d) => d.engine.store.outbox()));
    const [open] = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "SyncConflict" WHERE "orgId" = $1 AND "resolvedAt" IS NULL`, [orgId])) as [{ n: number }];
    const same = views.every((view) => canonicalJson(view) === canonicalJson(views[0]));
    if (same && open.n === 0 && outboxes.every((o) => o.length === 0)) return views[0]!;
    if (Date.now() > deadline) {
      const server = await serverState(orgId);
      const describe = (view: Awaited<ReturnType<typeof snapshotOf>>) => view.map((r) => `${r.key.slice(0, 14)}@${r.version}`).join(" ");
      throw new Error(
        `devices did not converge: ${JSON.stringify({ open: open.n, outboxes: outboxes.map((o) => o.length) })}\n` +
          `server: ${server.map((r) => `${r.key.slice(0, 14)}@${r.version}`).join(" ")}\n${views.map((v, i) => `device ${i}: ${describe(v)}`).join("\n")}\n` +
          views[0]!.flatMap((row) => views.map((v, i) => ({ i, other: v.find((r) => r.key === row.key) })).filter(({ other }) => canonicalJson(other ?? null) !== canonicalJson(row)).map(({ i, other }) => `${row.key}: device 0 ${JSON.stringify(row)} vs device ${i} ${JSON.stringify(other)}`)).join("\n"),
      );
    }
    await sleep(100);
  }
}

test("3–5 devices through random offline edits, partitions, reorderings and lost answers converge with the server", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  log.note(`fast-check seed ${seed} (CHAOS_SEED=${seed} replays it; failures are shrunk)`);
  const [{ orgId }] = (await c.query<{ orgId: string }>(`SELECT "orgId" FROM "User" WHERE "email" = $1`, [email])) as [{ orgId: string }];
  const property = fc.asyncProperty(
    fc.integer({ min: 3, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.array(actions(n), { minLength: 8, maxLength: 30 }))),
    async ([n, script]) => {
      const run = ++runCounter;
      const devices = Array.from({ length: n }, (_, i) => openDevice(run, i));
      try {
        for (const device of devices) await device.engine.login(email, "fieldsync-demo");
        for (const device of devices) await syncQuietly(device);
        for (const action of script) {
          const device = devices[action.d]!;
          const live = (await device.engine.store.list("asset")).sort((a, b) => a.id.localeCompare(b.id));
          if (action.kind === "create") await device.engine.store.create("asset", { name: `R6 run ${run}` });
          else if (action.kind === "edit" && live.length) await device.engine.store.update("asset", live[action.pick % live.length]!.id, { [action.field]: action.value });
          else if (action.kind === "delete" && live.length) await device.engine.store.remove("asset", live[action.pick % live.length]!.id);
          else if (action.kind === "sync") {
            if (action.transport === "offline") stats.offlineSyncs++;
            device.transport = action.transport;
            await syncQuietly(device);
            device.transport = "ok";
          }
        }
        const converged = await quiesce(devices, orgId);
        expect(converged.every((row) => row.pending === 0)).toBe(true);
        const server = await serverState(orgId);
        const devicesView = await Promise.all(converged.map(async (row) => ({ key: row.key, version: row.version, checksum: await checksum(row.data!) })));
        expect(devicesView).toEqual(server);
        const twice = await c.query(`SELECT "changeId", count(*)::int AS n FROM "SyncConflict" WHERE "orgId" = $1 AND "changeId" IS NOT NULL GROUP BY 1 HAVING count(*) > 1`, [orgId]);
        expect(twice, "a change recorded as a conflict more than once").toEqual([]);
        stats.runs++;
        stats.actions += script.length;
      } finally {
        for (const device of devices) device.db.close();
      }
    },
  );
  await fc.assert(property, { seed, numRuns: Number(process.env.CHAOS_R6_RUNS ?? 4), interruptAfterTimeLimit: 150_000 });
  expect(stats.runs).toBeGreaterThan(0);
  log.injected(`${stats.runs} runs, ${stats.actions} random actions over 3–5 devices of one user: ${stats.lostAnswers} push answers lost (redelivered), ${stats.offlineSyncs} syncs during a partition`);
  log.checked(`after quiescence every device held the server's live entities at the server's versions and checksums; ${stats.conflictsResolved} conflicts resolved (server wins), none recorded twice; versions never went backwards on any device; rejected edits discarded: ${JSON.stringify(Object.fromEntries(stats.rejections))}`);
  expect([...stats.rejections.keys()].filter((code) => !["ENTITY_DELETED", "ENTITY_NOT_FOUND"].includes(code)), "unexpected rejections").toEqual([]);
  log.checked(await checkClusterInvariants(c));
});
