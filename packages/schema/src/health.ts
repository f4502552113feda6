import { z } from "zod";
import { isoDateTime } from "./fields.ts";
import { limits } from "./limits.ts";

/** GET /api/sync/health/dashboard: the last `hours` of the organization's sync health. */
export const healthDashboardQuerySchema = z.strictObject({
  hours: z.coerce.number().int().min(1).max(limits.maxHealthHours).default(limits.defaultHealthHours),
});
export type HealthDashboardQuery = z.infer<typeof healthDashboardQuerySchema>;

/** The alerts of the worker's sweep (README "Operating the worker"). */
export const alertNameSchema = z.enum(["HighConflictRate", "SyncFailures", "LargeSyncBacklog", "DeviceOffline"]);
export type AlertName = z.infer<typeof alertNameSchema>;

export const alertLevelSchema = z.enum(["ok", "warn", "critical"]);
export type AlertLevel = z.infer<typeof alertLevelSchema>;

export const alertStateSchema = z.object({
  alert: alertNameSchema,
  level: alertLevelSchema,
  /**
   * What was judged: a share of processed changes (0..1), changes waiting, or hours since the
   * worst active device synced. Null when nothing was judged (too few changes, no devices).
   */
  value: z.number().nullable(),
  warn: z.number(),
  critical: z.number(),
  message: z.string(),
});
export type AlertState = z.infer<typeof alertStateSchema>;

/** One time bucket [start, start + bucketSeconds); the last one ends now. */
export const healthBucketSchema = z.object({
  start: isoDateTime,
  /** Changes waiting for the worker (PENDING or SYNCING) at the bucket's end. */
  backlog: z.int(),
  /** Changes whose processing ended in the bucket, and how many of those conflicted or failed. */
  processed: z.int(),
  conflicts: z.int(),
  failed: z.int(),
  /** conflicts / processed and failed / processed; null without processed changes. */
  conflictRate: z.number().nullable(),
  failureRate: z.number().nullable(),
  /** Successful push and pull requests started in the bucket. */
  syncs: z.int(),
  /** Their handling time in milliseconds (validated input to response); null without requests. */
  durationMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
});
export type HealthBucket = z.infer<typeof healthBucketSchema>;

export const deviceHealthSchema = z.object({
  deviceId: z.string(),
  deviceName: z.string().nullable(),
  /** What to call the device (friendlyDeviceName). */
  name: z.string(),
  userName: z.string(),
  /** Last successful push or pull. */
  lastSyncAt: isoDateTime.nullable(),
  /** Last successful pull (POST /api/sync/delta) within the kept history. */
  lastPullAt: isoDateTime.nullable(),
  /** Since the last successful sync (or the registration): what the DeviceOffline alert judges. */
  offlineSeconds: z.number(),
  offline: alertLevelSchema,
  pending: z.int(),
  failed: z.int(),
  oldestPendingSeconds: z.number().nullable(),
});
export type DeviceHealth = z.infer<typeof deviceHealthSchema>;

export const healthDashboardResponseSchema = z.object({
  hours: z.int(),
  bucketSeconds: z.int(),
  buckets: z.array(healthBucketSchema),
  /** Every alert with its current level, evaluated now with the worker's thresholds. */
  alerts: z.array(alertStateSchema),
  /** The organization's active devices. */
  devices: z.array(deviceHealthSchema),
  serverTime: isoDateTime,
});
export type HealthDashboardResponse = z.infer<typeof healthDashboardResponseSchema>;

/** One alert's two thresholds. */
export type AlertLevelThresholds = { warn: number; critical: number };

/** Alert thresholds; ops/prometheus/alerts.yml encodes the same numbers as Prometheus rules. */
export interface AlertThresholds {
  /** Share of changes processed in the window that ended in a conflict. */
  conflictRate: AlertLevelThresholds;
  /** Share of changes processed in the window that failed (rejected or dead-lettered). */
  failureRate: AlertLevelThresholds;
  /** Changes waiting for the worker. */
  backlog: AlertLevelThresholds;
  /** Hours an active device has not synced. */
  offlineHours: AlertLevelThresholds;
  windowMinutes: number;
  /** Rates are not judged on fewer processed changes than this (a single conflict is no trend). */
  minSample: number;
}
