import { type Deps, type PushGate, type PushGateRefusal, type ReadAheadStats, defaultAlertThresholds, healthFigures } from "@fieldsync/api";
import { syncStatusSchema } from "@fieldsync/schema";
import client from "prom-client";

// Prometheus metrics. Gauges about sync health are read from PostgreSQL (the source of truth) at
// scrape time, so every server instance reports the same values whichever process did the work.
// Metric names are referenced by ops/prometheus/alerts.yml: rename both together.

const windowMinutes = 60;

export function createMetrics({ db, queue, config, readAhead }: Pick<Deps, "db" | "queue" | "config" | "readAhead">, gates: { push: PushGate; pull: PushGate }) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "fieldsync_process_" });
  const registers = [registry];

  const syncDuration = new client.Histogram({
    name: "fieldsync_sync_duration_seconds",
    help: "Duration of sync requests (push and delta), REST and tRPC",
    labelNames: ["endpoint", "status"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  new client.Gauge({
    name: "fieldsync_active_sync_clients",
    help: "Active devices that synced in the last 24 hours",
    registers,
    async collect() {
      this.set(await db.syncClient.count({ where: { isActive: true, lastSyncAt: { gte: new Date(Date.now() - 86_400_000) } } }));
    },
  });

  new client.Gauge({
    name: "fieldsync_sync_queue_items",
    help: "SyncQueue rows by status (PENDING + SYNCING is the backlog)",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const rows = await db.syncQueue.groupBy({ by: ["status"], _count: { _all: true } });
      for (const status of syncStatusSchema.options) {
        this.set({ status }, rows.find((r) => r.status === status)?._count._all ?? 0);
      }
    },
  });

  new client.Gauge({
    name: "fieldsync_sync_backlog",
    help: "Changes waiting for the worker",
    registers,
    async collect() {
      this.set(await db.syncQueue.count({ where: { status: { in: ["PENDING", "SYNCING"] } } }));
    },
  });

  const rates = new client.Gauge({
    name: "fieldsync_sync_rate",
    help: `Share of changes processed in the last ${windowMinutes} minutes that conflicted or failed`,
    labelNames: ["kind"] as const,
    registers,
    async collect() {
      const orgs = await db.organization.findMany({ select: { id: true } });
      const totals = { processed: 0, conflicts: 0, failed: 0 };
      for (const org of orgs) {
        const f = await healthFigures(db, org.id, windowMinutes);
        totals.processed += f.processed;
        totals.conflicts += f.conflicts;
        totals.failed += f.failed;
      }
      rates.set({ kind: "conflict" }, totals.processed ? totals.conflicts / totals.processed : 0);
      rates.set({ kind: "failure" }, totals.processed ? totals.failed / totals.processed : 0);
    },
  });

  new client.Gauge({
    name: "fieldsync_queue_jobs",
    help: "BullMQ jobs of the sync-push queue by state",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const counts = (await queue?.jobCounts()) ?? {};
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  new client.Gauge({
    name: "fieldsync_redis_up",
    help: "1 while the server reaches Redis (background processing), else 0",
    registers,
    collect() {
      this.set(queue?.isUp() ? 1 : 0);
    },
  });

  // Devices are counted, never named: a label per device id would let any technician (who can
  // register devices at will) grow the series without bound. GET /api/sync/status and the Health
  // tab name the devices behind these numbers.
  new client.Gauge({
    name: "fieldsync_sync_oldest_pending_seconds",
    help: "Age of the oldest change still waiting for the worker, any device (0: none)",
    registers,
    async collect() {
      const oldest = await db.syncQueue.aggregate({ where: { status: { in: ["PENDING", "SYNCING"] } }, _min: { createdAt: true } });
      this.set(oldest._min.createdAt ? (Date.now() - oldest._min.createdAt.getTime()) / 1000 : 0);
    },
  });

  const offlineHours = config.alertThresholds?.offlineHours ?? defaultAlertThresholds.offlineHours;
  new client.Gauge({
    name: "fieldsync_offline_devices",
    help: `Active devices that have not synced for the DeviceOffline thresholds (warn ${offlineHours.warn} h, critical ${offlineHours.critical} h)`,
    labelNames: ["level"] as const,
    registers,
    async collect() {
      // As the DeviceOffline alert judges it: a device that never synced counts from its registration.
      const before = (hours: number) => new Date(Date.now() - hours * 3_600_000);
      const [row] = await db.$queryRaw<{ warn: bigint; critical: bigint }[]>`
        SELECT count(*) FILTER (WHERE coalesce("lastSyncAt", "registeredAt") <= ${before(offlineHours.warn)}) AS warn,
               count(*) FILTER (WHERE coalesce("lastSyncAt", "registeredAt") <= ${before(offlineHours.critical)}) AS critical
        FROM "SyncClient" WHERE "isActive"`;
      this.set({ level: "warn" }, Number(row!.warn));
      this.set({ level: "critical" }, Number(row!.critical));
    },
  });

  // This process's gates (per instance, unlike the database-backed gauges above).
  gateMetrics(registers, "push", gates.push);
  gateMetrics(registers, "pull", gates.pull);
  if (readAhead) {
    new client.Counter({
      name: "fieldsync_pull_read_ahead_pages_total",
      help:
        "Pages this server process read ahead for catching-up devices, by outcome: started, taken (a pull was answered by one), " +
        "dropped (never asked for here: behind a balancer without affinity the next pull may reach another node), skipped (bounds reached)",
      labelNames: ["outcome"] as const,
      registers,
      collect() {
        this.reset();
        const stats = readAhead.stats();
        for (const outcome of readAheadOutcomes) this.inc({ outcome }, stats[outcome]);
      },
    });
  }

  return { registry, syncDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;

const readAheadOutcomes = ["started", "taken", "dropped", "skipped"] as const satisfies readonly (keyof ReadAheadStats)[];

/** fieldsync_{push,pull}_gate_*: a gate's slots in use, its queue, and its refusals (SYNC_{PUSH,PULL}_* size it). */
function gateMetrics(registers: client.Registry[], kind: "push" | "pull", gate: PushGate) {
  const setting = kind.toUpperCase();
  new client.Gauge({
    name: `fieldsync_${kind}_gate_in_flight`,
    help: `${kind === "push" ? "Pushes this server process is applying" : "Pulls this server process is serving"} now (at most SYNC_${setting}_CONCURRENCY)`,
    registers,
    collect() {
      this.set(gate.stats().inFlight);
    },
  });
  new client.Gauge({
    name: `fieldsync_${kind}_gate_waiting`,
    help: `${kind === "push" ? "Pushes" : "Pulls"} waiting for a slot on this server process (at most SYNC_${setting}_QUEUE_LENGTH)`,
    registers,
    collect() {
      this.set(gate.stats().waiting);
    },
  });
  new client.Counter({
    name: `fieldsync_${kind}_gate_refused_total`,
    help: `${kind === "push" ? "Pushes" : "Pulls"} refused with 503 SERVER_BUSY by this server process: queue full, or waited SYNC_${setting}_QUEUE_WAIT_MS`,
    labelNames: ["reason"] as const,
    registers,
    collect() {
      // The gate keeps the totals; the counter reports them as they stand.
      this.reset();
      for (const [reason, count] of Object.entries(gate.stats().refused)) this.inc({ reason: reason as PushGateRefusal }, count);
    },
  });
}
