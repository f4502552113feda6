import { auditActions, recordAudit } from "../audit/record.ts";
import type { AuthUser, Deps } from "../context.ts";
import { fail } from "../errors.ts";

/**
 * POST /api/sync/cache/invalidate: drops the organization's cached responses and flags devices
 * for a full resync — their next push or delta answers `resetRequired: true` and restarts from a
 * snapshot. One device by id, all the caller's devices, or (admins, `allDevices`) the whole org.
 */
export async function invalidateCache({ db, cache }: Deps, user: AuthUser, body: { deviceId?: string; allDevices?: boolean }) {
  if (body.allDevices && user.role !== "ADMIN") return fail("FORBIDDEN", "Only admins can reset every device of the organization");
  const where = body.deviceId
    ? { orgId: user.orgId, deviceId: body.deviceId, ...(user.role !== "ADMIN" && { userId: user.id }) }
    : body.allDevices
      ? { orgId: user.orgId }
      : { orgId: user.orgId, userId: user.id };
  const devices = await db.$transaction(async (tx) => {
    const targets = await tx.syncClient.findMany({ where, select: { id: true, deviceId: true } });
    if (body.deviceId && targets.length === 0) return fail("NOT_FOUND", "No such device");
    await tx.syncClient.updateMany({ where: { id: { in: targets.map((t) => t.id) } }, data: { resyncRequired: true } });
    await recordAudit(tx, {
      orgId: user.orgId,
      actorId: user.id,
      action: auditActions.cacheInvalidated,
      targetType: body.deviceId ? "device" : "organization",
      targetId: body.deviceId ?? user.orgId,
      after: { devices: targets.map((t) => t.deviceId) },
    });
    return targets.map((t) => t.deviceId);
  });
  const cacheKeysRemoved = (await cache?.invalidateOrg(user.orgId)) ?? 0;
  return { devices, cacheKeysRemoved };
}
