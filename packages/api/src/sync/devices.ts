import type { Db, Prisma, SyncClient, Tx } from "@fieldsync/db";
import { type Device, type Subscription, subscriptionSchema } from "@fieldsync/schema";
import { auditActions, recordAudit } from "../audit/record.ts";
import type { AuthUser } from "../context.ts";
import { fail } from "../errors.ts";
import { leftScope } from "./scope.ts";
import { inTransaction } from "./transaction.ts";

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

const deviceAudit = (user: AuthUser, action: string, before: SyncClient | null, after: SyncClient) => ({
  orgId: user.orgId,
  actorId: user.id,
  action,
  targetType: "device",
  targetId: after.deviceId,
  before: before && toDevice(before),
  after: toDevice(after),
});

/**
 * Implicit registration on a first sync, audited in the same transaction (its own when `tx` is
 * the plain client). ON CONFLICT DO NOTHING: of two racing first syncs exactly one registers and
 * audits, and neither aborts the surrounding transaction.
 */
async function registerOnFirstSync(tx: Tx | Db, user: AuthUser, deviceId: string, deviceName?: string): Promise<SyncClient> {
  const register = async (t: Tx) => {
    const [created] = await t.syncClient.createManyAndReturn({
      data: [{ orgId: user.orgId, userId: user.id, deviceId, deviceName: deviceName ?? null }],
      skipDuplicates: true,
    });
    if (!created) return t.syncClient.findUniqueOrThrow({ where: { orgId_deviceId: { orgId: user.orgId, deviceId } } });
    await recordAudit(t, { ...deviceAudit(user, auditActions.deviceRegistered, null, created), after: { ...toDevice(created), implicit: true } });
    return created;
  };
  return "$transaction" in tx ? inTransaction(tx, register) : register(tx);
}

/** The codes `syncingDevice` fails with. */
export const syncingDeviceErrors = ["DEVICE_OWNED_BY_ANOTHER_USER", "DEVICE_REVOKED"] as const;

/**
 * The device a sync comes from. Registers it on its first sync; refuses a revoked device until
 * it registers again explicitly, and a device id another user of the organization already holds.
 */
export async function syncingDevice(tx: Tx | Db, user: AuthUser, deviceId: string, deviceName?: string): Promise<SyncClient> {
  const client =
    (await tx.syncClient.findUnique({ where: { orgId_deviceId: { orgId: user.orgId, deviceId } } })) ??
    (await registerOnFirstSync(tx, user, deviceId, deviceName));
  if (client.userId !== user.id) return fail("DEVICE_OWNED_BY_ANOTHER_USER", "This device id belongs to another user");
  if (!client.isActive) return fail("DEVICE_REVOKED", "This device was revoked; register it again to sync");
  if (deviceName !== undefined && deviceName !== client.deviceName) {
    return tx.syncClient.update({ where: { id: client.id }, data: { deviceName } });
  }
  return client;
}

/**
 * Explicit registration: also the way back for a revoked device of the same user. A new or
 * reactivated device is audited in the same transaction (renaming an active one is not).
 */
export async function registerDevice(db: Db, user: AuthUser, deviceId: string, deviceName?: string): Promise<Device> {
  const client = await inTransaction(db, async (tx) => {
    const [existing] = await tx.$queryRaw<SyncClient[]>`
      SELECT * FROM "SyncClient" WHERE "orgId" = ${user.orgId} AND "deviceId" = ${deviceId} FOR UPDATE`;
    if (existing && existing.userId !== user.id) {
      return fail("DEVICE_OWNED_BY_ANOTHER_USER", "This device id belongs to another user");
    }
    const saved = await tx.syncClient.upsert({
      where: { orgId_deviceId: { orgId: user.orgId, deviceId } },
      create: { orgId: user.orgId, userId: user.id, deviceId, deviceName: deviceName ?? null },
      update: { isActive: true, revokedAt: null, ...(deviceName !== undefined && { deviceName }) },
    });
    if (!existing?.isActive) await recordAudit(tx, deviceAudit(user, auditActions.deviceRegistered, existing ?? null, saved));
    return saved;
  });
  return toDevice(client);
}

/** Technicians see their own devices; admins every device of the organization. */
const visibleTo = (user: AuthUser) => (user.role === "ADMIN" ? { orgId: user.orgId } : { orgId: user.orgId, userId: user.id });

export async function listDevices(db: Db, user: AuthUser): Promise<Device[]> {
  const clients = await db.syncClient.findMany({ where: visibleTo(user), orderBy: { registeredAt: "asc" } });
  return clients.map(toDevice);
}

/**
 * A device the caller may not see answers exactly like a missing one (404). Revoking is
 * idempotent; the first revocation is audited in the same transaction.
 */
export async function revokeDevice(db: Db, user: AuthUser, deviceId: string): Promise<Device> {
  const revoked = await inTransaction(db, async (tx) => {
    const client = await tx.syncClient.findFirst({ where: { ...visibleTo(user), deviceId } });
    if (!client) return fail("NOT_FOUND", "No such device");
    const updated = await tx.syncClient.update({
      where: { id: client.id },
      data: { isActive: false, revokedAt: client.revokedAt ?? new Date(), syncToken: null },
    });
    if (client.isActive) await recordAudit(tx, deviceAudit(user, auditActions.deviceRevoked, client, updated));
    return updated;
  });
  return toDevice(revoked);
}

/**
 * PUT /api/sync/subscription: what the device keeps offline. Answers which entities left its
 * scope (to evict); its next pull restarts from a snapshot of the new scope, with progress.
 */
export async function setSubscription(db: Db, user: AuthUser, deviceId: string, subscription: Subscription) {
  const device = await syncingDevice(db, user, deviceId);
  const before = device.subscription ? subscriptionSchema.parse(device.subscription) : null;
  const evict = await leftScope(db, user.orgId, before, subscription);
  await db.syncClient.update({
    where: { id: device.id },
    data: { subscription: subscription as Prisma.InputJsonObject, rescopeRequired: true },
  });
  return { deviceId, subscription, evict };
}
