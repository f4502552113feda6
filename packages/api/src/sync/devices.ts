import type { Db, SyncClient, Tx } from "@fieldsync/db";
import type { Device } from "@fieldsync/schema";
import type { AuthUser } from "../context.ts";
import { fail } from "../errors.ts";

const iso = (date: Date | null) => date?.toISOString() ?? null;

export const toDevice = (client: SyncClient): Device => ({
  deviceId: client.deviceId,
  deviceName: client.deviceName,
  userId: client.userId,
  isActive: client.isActive,
  lastSyncAt: iso(client.lastSyncAt),
  registeredAt: client.registeredAt.toISOString(),
  revokedAt: iso(client.revokedAt),
});

/**
 * The device a sync comes from. Registers it on its first sync; refuses a revoked device until
 * it registers again explicitly, and a device id another user of the organization already holds.
 */
export async function syncingDevice(tx: Tx | Db, user: AuthUser, deviceId: string, deviceName?: string): Promise<SyncClient> {
  const client = await tx.syncClient.upsert({
    where: { orgId_deviceId: { orgId: user.orgId, deviceId } },
    create: { orgId: user.orgId, userId: user.id, deviceId, deviceName: deviceName ?? null },
    update: {},
  });
  if (client.userId !== user.id) return fail("DEVICE_OWNED_BY_ANOTHER_USER", "This device id belongs to another user");
  if (!client.isActive) return fail("DEVICE_REVOKED", "This device was revoked; register it again to sync");
  if (deviceName !== undefined && deviceName !== client.deviceName) {
    return tx.syncClient.update({ where: { id: client.id }, data: { deviceName } });
  }
  return client;
}

/** Explicit registration: also the way back for a revoked device of the same user. */
export async function registerDevice(db: Db, user: AuthUser, deviceId: string, deviceName?: string): Promise<Device> {
  const existing = await db.syncClient.findUnique({ where: { orgId_deviceId: { orgId: user.orgId, deviceId } } });
  if (existing && existing.userId !== user.id) {
    return fail("DEVICE_OWNED_BY_ANOTHER_USER", "This device id belongs to another user");
  }
  const client = await db.syncClient.upsert({
    where: { orgId_deviceId: { orgId: user.orgId, deviceId } },
    create: { orgId: user.orgId, userId: user.id, deviceId, deviceName: deviceName ?? null },
    update: { isActive: true, revokedAt: null, ...(deviceName !== undefined && { deviceName }) },
  });
  return toDevice(client);
}

/** Technicians see their own devices; admins every device of the organization. */
const visibleTo = (user: AuthUser) => (user.role === "ADMIN" ? { orgId: user.orgId } : { orgId: user.orgId, userId: user.id });

export async function listDevices(db: Db, user: AuthUser): Promise<Device[]> {
  const clients = await db.syncClient.findMany({ where: visibleTo(user), orderBy: { registeredAt: "asc" } });
  return clients.map(toDevice);
}

/** A device the caller may not see answers exactly like a missing one (404). */
export async function revokeDevice(db: Db, user: AuthUser, deviceId: string): Promise<Device> {
  const client = await db.syncClient.findFirst({ where: { ...visibleTo(user), deviceId } });
  if (!client) return fail("NOT_FOUND", "No such device");
  const revoked = await db.syncClient.update({
    where: { id: client.id },
    data: { isActive: false, revokedAt: client.revokedAt ?? new Date(), syncToken: null },
  });
  return toDevice(revoked);
}
