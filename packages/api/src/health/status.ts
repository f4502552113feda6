import type { SyncStatusResponse } from "@fieldsync/schema";
import type { AuthUser, Deps } from "../context.ts";
import { defaultAlertThresholds, evaluateAlerts, healthFigures } from "./alerts.ts";
import { cacheKey } from "../redis/response-cache.ts";

const healthTtlSeconds = 15;

/** Without a queue (embedded mode) nothing waits for Redis: pushes are applied inline, by design. */
function background(queue: Deps["queue"]): SyncStatusResponse["background"] {
  if (!queue) return { redis: "unused", mode: "inline" };
  return queue.isUp() ? { redis: "up", mode: "ok" } : { redis: "down", mode: "degraded" };
}

/**
 * GET /api/sync/status: the caller's devices and queue, the organization's open conflicts, whether
 * background processing is up, and the organization's alert evaluation (cached briefly in Redis:
 * it scans the queue).
 */
export async function syncStatus({ db, config, queue, cache }: Deps, user: AuthUser): Promise<SyncStatusResponse> {
  const [devices, openConflicts, pending, failed] = await Promise.all([
    db.syncClient.findMany({ where: { orgId: user.orgId, userId: user.id }, select: { isActive: true, lastSyncAt: true } }),
    db.syncConflict.count({ where: { orgId: user.orgId, resolvedAt: null } }),
    db.syncQueue.count({ where: { orgId: user.orgId, client: { userId: user.id }, status: { in: ["PENDING", "SYNCING"] } } }),
    db.syncQueue.count({ where: { orgId: user.orgId, client: { userId: user.id }, status: "FAILED" } }),
  ]);
  const key = cacheKey(user.orgId, "health");
  let health = await cache?.get<SyncStatusResponse["health"]>(key);
  if (!health) {
    const thresholds = config.alertThresholds ?? defaultAlertThresholds;
    health = evaluateAlerts(await healthFigures(db, user.orgId, thresholds.windowMinutes), thresholds);
    await cache?.set(key, health, healthTtlSeconds);
  }
  const lastSync = devices.map((d) => d.lastSyncAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  return {
    user: { id: user.id, email: user.email, role: user.role, orgId: user.orgId },
    devices: { active: devices.filter((d) => d.isActive).length, revoked: devices.filter((d) => !d.isActive).length },
    lastSyncAt: lastSync ? new Date(lastSync).toISOString() : null,
    openConflicts,
    queue: { pending, failed },
    background: background(queue),
    health,
    serverTime: new Date().toISOString(),
  };
}
