import type { HealthDashboardQuery, HealthDashboardResponse } from "@fieldsync/schema";
import type { AuthUser, Deps } from "../context.ts";
import { alertStates, defaultAlertThresholds, healthFigures } from "./alerts.ts";
import { deviceHealth } from "./device-health.ts";
import { healthSeries } from "./series.ts";

/**
 * GET /api/sync/health/dashboard (admins): the organization's sync health over the last hours,
 * every alert's current state and its active devices. Read from PostgreSQL, so every server
 * process answers the same and the history survives restarts.
 */
export async function healthDashboard({ db, config }: Deps, user: AuthUser, query: HealthDashboardQuery): Promise<HealthDashboardResponse> {
  const now = new Date();
  const thresholds = config.alertThresholds ?? defaultAlertThresholds;
  const [series, figures, devices] = await Promise.all([
    healthSeries(db, user.orgId, query.hours, now),
    healthFigures(db, user.orgId, thresholds.windowMinutes),
    deviceHealth(db, user.orgId, thresholds, now),
  ]);
  return { hours: query.hours, ...series, alerts: alertStates(figures, thresholds), devices, serverTime: now.toISOString() };
}
