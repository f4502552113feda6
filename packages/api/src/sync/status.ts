import type { Db } from "@fieldsync/db";
import type { SyncStatusResponse } from "@fieldsync/schema";
import type { AuthUser } from "../context.ts";

/** GET /api/sync/status: the caller's devices and queue, and the organization's open conflicts. */
export async function syncStatus(db: Db, user: AuthUser): Promise<SyncStatusResponse> {
  const [devices, openConflicts, pending, failed] = await Promise.all([
    db.syncClient.findMany({ where: { orgId: user.orgId, userId: user.id }, select: { isActive: true, lastSyncAt: true } }),
    db.syncConflict.count({ where: { orgId: user.orgId, resolvedAt: null } }),
    db.syncQueue.count({ where: { orgId: user.orgId, client: { userId: user.id }, status: { in: ["PENDING", "SYNCING"] } } }),
    db.syncQueue.count({ where: { orgId: user.orgId, client: { userId: user.id }, status: "FAILED" } }),
  ]);
  const lastSync = devices.map((d) => d.lastSyncAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  return {
    user: { id: user.id, email: user.email, role: user.role, orgId: user.orgId },
    devices: { active: devices.filter((d) => d.isActive).length, revoked: devices.filter((d) => !d.isActive).length },
    lastSyncAt: lastSync ? new Date(lastSync).toISOString() : null,
    openConflicts,
    queue: { pending, failed },
    serverTime: new Date().toISOString(),
  };
}
