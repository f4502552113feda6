import { type Deps, healthFigures } from "@fieldsync/api";
import { syncStatusSchema } from "@fieldsync/schema";
import client from "prom-client";

// Prometheus metrics. Gauges about sync health are read from PostgreSQL (the source of truth) at
// scrape time, so every server instance reports the same values whichever process did the work.
// Metric names are referenced by ops/prometheus/alerts.yml: rename both together.

const windowMinutes = 60;

export function createMetrics({ db, queue }: Pick<Deps, "db" | "queue">) {
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

  const devices = () =>
    db.$queryRaw<{ orgId: string; deviceId: string; lastSyncAt: Date | null; oldestPending: Date | null }[]>`
      SELECT c."orgId", c."deviceId", c."lastSyncAt",
             min(q."createdAt") FILTER (WHERE q."status" IN ('PENDING', 'SYNCING')) AS "oldestPending"
      FROM "SyncClient" c LEFT JOIN "SyncQueue" q ON q."clientId" = c."id"
      WHERE c."isActive" GROUP BY c."id"`;
  const ageOf = (date: Date) => (Date.now() - date.getTime()) / 1000;

  new client.Gauge({
    name: "fieldsync_device_oldest_pending_seconds",
    help: "Age of each active device's oldest change still waiting for the worker (0: none)",
    labelNames: ["org_id", "device_id"] as const,
    registers,
    async collect() {
      this.reset();
      for (const d of await devices()) this.set({ org_id: d.orgId, device_id: d.deviceId }, d.oldestPending ? ageOf(d.oldestPending) : 0);
    },
  });

  new client.Gauge({
    name: "fieldsync_device_last_sync_age_seconds",
    help: "Seconds since each active device's last successful push or pull",
    labelNames: ["org_id", "device_id"] as const,
    registers,
    async collect() {
      this.reset();
      for (const d of await devices()) if (d.lastSyncAt) this.set({ org_id: d.orgId, device_id: d.deviceId }, ageOf(d.lastSyncAt));
    },
  });

  return { registry, syncDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;
