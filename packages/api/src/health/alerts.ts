import type { Db } from "@fieldsync/db";
import type { SyncStatusResponse } from "@fieldsync/schema";

type Health = SyncStatusResponse["health"];
type Level = { warn: number; critical: number };

/** Alert thresholds; ops/prometheus/alerts.yml encodes the same numbers as Prometheus rules. */
export interface AlertThresholds {
  /** Share of changes processed in the window that ended in a conflict. */
  conflictRate: Level;
  /** Share of changes processed in the window that failed (rejected or dead-lettered). */
  failureRate: Level;
  /** Changes waiting for the worker. */
  backlog: Level;
  /** Hours an active device has not synced. */
  offlineHours: Level;
  windowMinutes: number;
  /** Rates are not judged on fewer processed changes than this (a single conflict is no trend). */
  minSample: number;
}

export const defaultAlertThresholds: AlertThresholds = {
  conflictRate: { warn: 0.1, critical: 0.25 },
  failureRate: { warn: 0.05, critical: 0.2 },
  backlog: { warn: 1000, critical: 10000 },
  offlineHours: { warn: 24, critical: 72 },
  windowMinutes: 60,
  minSample: 20,
};

export interface HealthFigures {
  processed: number;
  conflicts: number;
  failed: number;
  backlog: number;
  /** deviceId → hours since its last sync, for active devices. */
  offline: { deviceId: string; hours: number }[];
}

export async function healthFigures(db: Db, orgId: string, windowMinutes: number): Promise<HealthFigures> {
  const since = new Date(Date.now() - windowMinutes * 60_000);
  const [row] = await db.$queryRaw<{ processed: bigint; conflicts: bigint; failed: bigint; backlog: bigint }[]>`
    SELECT count(*) FILTER (WHERE "processedAt" >= ${since}) AS processed,
           count(*) FILTER (WHERE "processedAt" >= ${since} AND "status" = 'CONFLICT') AS conflicts,
           count(*) FILTER (WHERE "processedAt" >= ${since} AND "status" = 'FAILED') AS failed,
           count(*) FILTER (WHERE "status" IN ('PENDING', 'SYNCING')) AS backlog
    FROM "SyncQueue" WHERE "orgId" = ${orgId}`;
  const devices = await db.syncClient.findMany({ where: { orgId, isActive: true }, select: { deviceId: true, lastSyncAt: true, registeredAt: true } });
  return {
    processed: Number(row!.processed),
    conflicts: Number(row!.conflicts),
    failed: Number(row!.failed),
    backlog: Number(row!.backlog),
    offline: devices.map((d) => ({ deviceId: d.deviceId, hours: (Date.now() - (d.lastSyncAt ?? d.registeredAt).getTime()) / 3_600_000 })),
  };
}

const judge = (value: number, level: Level) => (value >= level.critical ? "critical" : value >= level.warn ? "warn" : null);

/** Pure: which alerts fire for these figures. */
export function evaluateAlerts(figures: HealthFigures, thresholds: AlertThresholds = defaultAlertThresholds): Health {
  const reasons: Health["reasons"] = [];
  const add = (alert: string, severity: "warn" | "critical" | null, message: string) => {
    if (severity) reasons.push({ alert, severity, message });
  };
  if (figures.processed >= thresholds.minSample) {
    const conflictRate = figures.conflicts / figures.processed;
    const failureRate = figures.failed / figures.processed;
    add("HighConflictRate", judge(conflictRate, thresholds.conflictRate), `${(conflictRate * 100).toFixed(1)} % of ${figures.processed} changes conflicted in the last ${thresholds.windowMinutes} min`);
    add("SyncFailures", judge(failureRate, thresholds.failureRate), `${(failureRate * 100).toFixed(1)} % of ${figures.processed} changes failed in the last ${thresholds.windowMinutes} min`);
  }
  add("LargeSyncBacklog", judge(figures.backlog, thresholds.backlog), `${figures.backlog} changes wait for the worker`);
  for (const device of figures.offline) {
    add("DeviceOffline", judge(device.hours, thresholds.offlineHours), `device ${device.deviceId} has not synced for ${Math.floor(device.hours)} h`);
  }
  const status = reasons.some((r) => r.severity === "critical") ? "critical" : reasons.length ? "warn" : "ok";
  return { status, reasons };
}
