import type { Db } from "@fieldsync/db";
import { type AlertLevel, type AlertLevelThresholds, type AlertThresholds, type AlertName, type AlertState, type SyncStatusResponse, alertNameSchema, friendlyDeviceName } from "@fieldsync/schema";

type Health = SyncStatusResponse["health"];

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
  /** Hours since each active device's last sync; `label` is how people know it (friendlyDeviceName). */
  offline: { deviceId: string; hours: number; label?: string }[];
}

export async function healthFigures(db: Db, orgId: string, windowMinutes: number): Promise<HealthFigures> {
  const since = new Date(Date.now() - windowMinutes * 60_000);
  const [row] = await db.$queryRaw<{ processed: bigint; conflicts: bigint; failed: bigint; backlog: bigint }[]>`
    SELECT count(*) FILTER (WHERE "processedAt" >= ${since}) AS processed,
           count(*) FILTER (WHERE "processedAt" >= ${since} AND "status" = 'CONFLICT') AS conflicts,
           count(*) FILTER (WHERE "processedAt" >= ${since} AND "status" = 'FAILED') AS failed,
           count(*) FILTER (WHERE "status" IN ('PENDING', 'SYNCING')) AS backlog
    FROM "SyncQueue" WHERE "orgId" = ${orgId}`;
  const devices = await db.syncClient.findMany({
    where: { orgId, isActive: true },
    select: { deviceId: true, deviceName: true, label: true, lastSyncAt: true, registeredAt: true, user: { select: { name: true } } },
  });
  return {
    processed: Number(row!.processed),
    conflicts: Number(row!.conflicts),
    failed: Number(row!.failed),
    backlog: Number(row!.backlog),
    offline: devices.map((d) => ({
      deviceId: d.deviceId,
      hours: (Date.now() - (d.lastSyncAt ?? d.registeredAt).getTime()) / 3_600_000,
      label: friendlyDeviceName({ label: d.label, deviceName: d.deviceName, ownerName: d.user.name, deviceId: d.deviceId }),
    })),
  };
}

/** The level a value reaches; "ok" below the warn threshold. */
export const alertLevel = (value: number, level: AlertLevelThresholds): AlertLevel => (value >= level.critical ? "critical" : value >= level.warn ? "warn" : "ok");

const thresholdOf = {
  HighConflictRate: "conflictRate",
  SyncFailures: "failureRate",
  LargeSyncBacklog: "backlog",
  DeviceOffline: "offlineHours",
} as const satisfies Record<AlertName, keyof AlertThresholds>;

/** One judged value: each rate, the backlog, and each active device's offline hours. */
interface Measurement {
  alert: AlertName;
  value: number;
  message: string;
}

function measurements(figures: HealthFigures, thresholds: AlertThresholds): Measurement[] {
  const list: Measurement[] = [];
  if (figures.processed >= thresholds.minSample) {
    const conflictRate = figures.conflicts / figures.processed;
    const failureRate = figures.failed / figures.processed;
    list.push({ alert: "HighConflictRate", value: conflictRate, message: `${(conflictRate * 100).toFixed(1)} % of ${figures.processed} changes conflicted in the last ${thresholds.windowMinutes} min` });
    list.push({ alert: "SyncFailures", value: failureRate, message: `${(failureRate * 100).toFixed(1)} % of ${figures.processed} changes failed in the last ${thresholds.windowMinutes} min` });
  }
  list.push({ alert: "LargeSyncBacklog", value: figures.backlog, message: `${figures.backlog} changes wait for the worker` });
  for (const device of figures.offline) {
    list.push({ alert: "DeviceOffline", value: device.hours, message: `device ${device.label ?? device.deviceId} has not synced for ${Math.floor(device.hours)} h` });
  }
  return list;
}

/** Pure: which alerts fire for these figures (GET /api/sync/status `health`, the worker's log). */
export function evaluateAlerts(figures: HealthFigures, thresholds: AlertThresholds = defaultAlertThresholds): Health {
  const reasons: Health["reasons"] = [];
  for (const m of measurements(figures, thresholds)) {
    const severity = alertLevel(m.value, thresholds[thresholdOf[m.alert]]);
    if (severity !== "ok") reasons.push({ alert: m.alert, severity, message: m.message });
  }
  const status = reasons.some((r) => r.severity === "critical") ? "critical" : reasons.length ? "warn" : "ok";
  return { status, reasons };
}

/** Pure: every alert's state, firing or not; per alert the worst measurement (the dashboard). */
export function alertStates(figures: HealthFigures, thresholds: AlertThresholds = defaultAlertThresholds): AlertState[] {
  const all = measurements(figures, thresholds);
  return alertNameSchema.options.map((alert) => {
    const level = thresholds[thresholdOf[alert]];
    const worst = all.filter((m) => m.alert === alert).sort((a, b) => b.value - a.value)[0];
    const unjudged = alert === "DeviceOffline" ? "no active devices" : `only ${figures.processed} changes in the last ${thresholds.windowMinutes} min; rates are judged from ${thresholds.minSample}`;
    return {
      alert,
      level: worst ? alertLevel(worst.value, level) : "ok",
      value: worst?.value ?? null,
      warn: level.warn,
      critical: level.critical,
      message: worst?.message ?? unjudged,
    };
  });
}
