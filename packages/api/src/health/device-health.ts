import { Prisma, type Db } from "@fieldsync/db";
import { type AlertThresholds, type DeviceHealth, friendlyDeviceName } from "@fieldsync/schema";
import { deviceBacklog } from "../queue/stats.ts";
import { alertLevel } from "./alerts.ts";

/**
 * The organization's active devices for the dashboard: backlog as in GET /api/sync/queue/stats,
 * last pull from SyncRun, and how long each has not synced judged like the DeviceOffline alert.
 */
export async function deviceHealth(db: Db, orgId: string, thresholds: AlertThresholds, now: Date): Promise<DeviceHealth[]> {
  const devices = await deviceBacklog(db, Prisma.sql`c."orgId" = ${orgId} AND c."isActive"`);
  if (devices.length === 0) return [];
  const [pulls, users] = await Promise.all([
    // One index probe per device (clientId, kind, startedAt) rather than a scan of its history.
    db.$queryRaw<{ clientId: string; lastPullAt: Date | null }[]>`
      SELECT d."clientId", (SELECT max(r."startedAt") FROM "SyncRun" r WHERE r."clientId" = d."clientId" AND r."kind" = 'PULL') AS "lastPullAt"
      FROM unnest(${devices.map((d) => d.clientId)}::text[]) AS d("clientId")`,
    db.user.findMany({ where: { orgId, id: { in: devices.map((d) => d.userId) } }, select: { id: true, name: true } }),
  ]);
  const seconds = (date: Date) => Math.max(0, (now.getTime() - date.getTime()) / 1000);
  return devices.map((d) => {
    const offlineSeconds = seconds(d.lastSyncAt ?? d.registeredAt);
    const userName = users.find((u) => u.id === d.userId)?.name ?? "";
    return {
      deviceId: d.deviceId,
      deviceName: d.deviceName,
      name: friendlyDeviceName({ label: d.label, deviceName: d.deviceName, ownerName: userName, deviceId: d.deviceId }),
      userName,
      lastSyncAt: d.lastSyncAt?.toISOString() ?? null,
      lastPullAt: pulls.find((p) => p.clientId === d.clientId)?.lastPullAt?.toISOString() ?? null,
      offlineSeconds,
      offline: alertLevel(offlineSeconds / 3600, thresholds.offlineHours),
      pending: Number(d.pending),
      failed: Number(d.failed),
      oldestPendingSeconds: d.oldestPending ? seconds(d.oldestPending) : null,
    };
  });
}
