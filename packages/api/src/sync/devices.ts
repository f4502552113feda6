import { type Db, inTransaction, type Prisma, type SyncClient, type Tx } from "@fieldsync/db";
import { type Device, friendlyDeviceName, type Subscription, subscriptionSchema } from "@fieldsync/schema";
import { auditActions, recordAudit } from "../audit/record.ts";
import type { AuthUser, ChangeNotifier } from "../context.ts";
import { fail } from "../errors.ts";
import { leftScope } from "./scope.ts";

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The device's stored fields, as audited. */
const deviceFields = (client: SyncClient): Omit<Device, "name"> => ({
  deviceId: client.deviceId,
  deviceName: client.deviceName,
  label: client.label,
  userId: client.userId,
  isActive: client.isActive,
  lastSyncAt: iso(client.lastSyncAt),
  registeredAt: client.registeredAt.toISOString(),
  revokedAt: iso(client.revokedAt),
});

const withOwner = { user: { select: { name: true } } } as const;
type OwnedClient = SyncClient & { user: { name: string } };

export const toDevice = (client: OwnedClient): Device => ({
  ...deviceFields(client),
  name: friendlyDeviceName({ label: client.label, deviceName: client.deviceName, ownerName: client.user.name, deviceId: client.deviceId }),
});

const loadOwner = async (db: Db, client: SyncClient): Promise<OwnedClient> => ({
  ...client,
  user: await db.user.findUniqueOrThrow({ where: { id: client.userId }, select: { name: true } }),
});

type Actor = Pick<AuthUser, "id" | "orgId">;

const deviceAudit = (user: Actor, action: string, before: SyncClient | null, after: SyncClient) => ({
  orgId: user.orgId,
  actorId: user.id,
  action,
  targetType: "device",
  targetId: after.deviceId,
  before: before && deviceFields(before),
  after: deviceFields(after),
});

/**
 * Refuses one more active device beyond `maxDevices` (403 DEVICE_LIMIT_REACHED). Locks the user's
 * row first, so concurrent registrations of one user are counted one after the other.
 */
async function assertDeviceCapacity(tx: Tx, userId: string, maxDevices: number): Promise<void> {
  await tx.$queryRaw`SELECT "id" FROM "User" WHERE "id" = ${userId} FOR NO KEY UPDATE`;
  const active = await tx.syncClient.count({ where: { userId, isActive: true } });
  if (active >= maxDevices) {
    fail("DEVICE_LIMIT_REACHED", `You already have ${active} active devices (the limit is ${maxDevices}); revoke one you no longer use`);
  }
}

/**
 * Implicit registration on a first sync, audited in the same transaction (its own when `tx` is
 * the plain client). ON CONFLICT DO NOTHING: of two racing first syncs exactly one registers and
 * audits, and neither aborts the surrounding transaction.
 */
async function registerOnFirstSync(tx: Tx | Db, user: AuthUser, deviceId: string, maxDevices: number, deviceName?: string): Promise<SyncClient> {
  const register = async (t: Tx) => {
    await assertDeviceCapacity(t, user.id, maxDevices);
    const [created] = await t.syncClient.createManyAndReturn({
      data: [{ orgId: user.orgId, userId: user.id, deviceId, deviceName: deviceName ?? null }],
      skipDuplicates: true,
    });
    if (!created) return t.syncClient.findUniqueOrThrow({ where: { orgId_deviceId: { orgId: user.orgId, deviceId } } });
    await recordAudit(t, { ...deviceAudit(user, auditActions.deviceRegistered, null, created), after: { ...deviceFields(created), implicit: true } });
    return created;
  };
  return "$transaction" in tx ? inTransaction(tx, register) : register(tx);
}

/** The codes `syncingDevice` fails with. */
export const syncingDeviceErrors = ["DEVICE_OWNED_BY_ANOTHER_USER", "DEVICE_REVOKED", "DEVICE_LIMIT_REACHED"] as const;

const revokedMessage = "This device was revoked; its owner can bring it back by logging in on it with their password";

/**
 * The device a sync comes from. Registers it on its first sync (within the user's device limit);
 * refuses a revoked device, and a device id another user of the organization already holds.
 */
export async function syncingDevice(tx: Tx | Db, user: AuthUser, deviceId: string, maxDevices: number, deviceName?: string): Promise<SyncClient> {
  const client =
    (await tx.syncClient.findUnique({ where: { orgId_deviceId: { orgId: user.orgId, deviceId } } })) ??
    (await registerOnFirstSync(tx, user, deviceId, maxDevices, deviceName));
  if (client.userId !== user.id) return fail("DEVICE_OWNED_BY_ANOTHER_USER", "This device id belongs to another user");
  if (!client.isActive) return fail("DEVICE_REVOKED", revokedMessage);
  if (deviceName !== undefined && deviceName !== client.deviceName) {
    return tx.syncClient.update({ where: { id: client.id }, data: { deviceName } });
  }
  return client;
}

const lockedDevice = async (tx: Tx, orgId: string, deviceId: string): Promise<SyncClient | undefined> =>
  (await tx.$queryRaw<SyncClient[]>`SELECT * FROM "SyncClient" WHERE "orgId" = ${orgId} AND "deviceId" = ${deviceId} FOR UPDATE`)[0];

/**
 * Explicit registration (or renaming) of the caller's own device, within the user's device
 * limit. A revoked device stays revoked: only a password login on it brings it back
 * (`reactivateOnLogin`). A new device is audited in the same transaction.
 */
export async function registerDevice(db: Db, user: AuthUser, deviceId: string, maxDevices: number, deviceName?: string): Promise<Device> {
  const client = await inTransaction(db, async (tx) => {
    const existing = await lockedDevice(tx, user.orgId, deviceId);
    if (existing && existing.userId !== user.id) {
      return fail("DEVICE_OWNED_BY_ANOTHER_USER", "This device id belongs to another user");
    }
    if (existing && !existing.isActive) return fail("DEVICE_REVOKED", revokedMessage);
    if (existing) return deviceName === undefined ? existing : tx.syncClient.update({ where: { id: existing.id }, data: { deviceName } });
    await assertDeviceCapacity(tx, user.id, maxDevices);
    const created = await tx.syncClient.create({ data: { orgId: user.orgId, userId: user.id, deviceId, deviceName: deviceName ?? null } });
    await recordAudit(tx, deviceAudit(user, auditActions.deviceRegistered, null, created));
    return created;
  });
  return toDevice(await loadOwner(db, client));
}

/**
 * A password login on `deviceId` (inside the login's transaction): refuses a device id another
 * user holds, and brings the user's own revoked device back, within the device limit, audited
 * as a registration `via: "login"`. A device not registered yet registers on its first sync.
 */
export async function reactivateOnLogin(tx: Tx, user: Actor, deviceId: string, maxDevices: number): Promise<void> {
  const existing = await lockedDevice(tx, user.orgId, deviceId);
  if (!existing) return;
  if (existing.userId !== user.id) fail("DEVICE_OWNED_BY_ANOTHER_USER", "This device id belongs to another user");
  if (existing.isActive) return;
  await assertDeviceCapacity(tx, user.id, maxDevices);
  const saved = await tx.syncClient.update({ where: { id: existing.id }, data: { isActive: true, revokedAt: null } });
  await recordAudit(tx, { ...deviceAudit(user, auditActions.deviceRegistered, existing, saved), after: { ...deviceFields(saved), via: "login" } });
}

/** Technicians see their own devices; admins every device of the organization. */
const visibleTo = (user: AuthUser) => (user.role === "ADMIN" ? { orgId: user.orgId } : { orgId: user.orgId, userId: user.id });

export async function listDevices(db: Db, user: AuthUser): Promise<Device[]> {
  const clients = await db.syncClient.findMany({ where: visibleTo(user), include: withOwner, orderBy: { registeredAt: "asc" } });
  return clients.map(toDevice);
}

/**
 * A device the caller may not see answers exactly like a missing one (404). Revoking ends
 * everything the device holds, at once: its refresh token families are revoked in the same
 * transaction (so its access tokens stop working on the next request, see loadSession), and
 * after the commit every server process is told to close its event streams. Idempotent; the
 * first revocation is audited in the same transaction.
 */
export async function revokeDevice(db: Db, notifier: ChangeNotifier | null | undefined, user: AuthUser, deviceId: string): Promise<Device> {
  const revoked = await inTransaction(db, async (tx) => {
    const client = await tx.syncClient.findFirst({ where: { ...visibleTo(user), deviceId } });
    if (!client) return fail("NOT_FOUND", "No such device");
    const updated = await tx.syncClient.update({
      where: { id: client.id },
      data: { isActive: false, revokedAt: client.revokedAt ?? new Date(), syncToken: null },
    });
    await tx.refreshToken.updateMany({ where: { userId: client.userId, deviceId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (client.isActive) await recordAudit(tx, deviceAudit(user, auditActions.deviceRevoked, client, updated));
    return updated;
  });
  await notifier?.deviceRevoked(revoked.orgId, revoked.deviceId);
  return toDevice(await loadOwner(db, revoked));
}

/**
 * Names a device the caller may see (the owner, or an admin of the organization); a null or
 * blank label goes back to the derived name. A device the caller may not see is a 404.
 */
export async function renameDevice(db: Db, user: AuthUser, deviceId: string, label: string | null): Promise<Device> {
  const client = await db.syncClient.findFirst({ where: { ...visibleTo(user), deviceId } });
  if (!client) return fail("NOT_FOUND", "No such device");
  const renamed = await db.syncClient.update({ where: { id: client.id }, data: { label: label || null }, include: withOwner });
  return toDevice(renamed);
}

/**
 * PUT /api/sync/subscription: what the device keeps offline. Answers which entities left its
 * scope (to evict); its next pull restarts from a snapshot of the new scope, with progress.
 */
export async function setSubscription(db: Db, user: AuthUser, deviceId: string, maxDevices: number, subscription: Subscription) {
  const device = await syncingDevice(db, user, deviceId, maxDevices);
  const before = device.subscription ? subscriptionSchema.parse(device.subscription) : null;
  const evict = await leftScope(db, user.orgId, before, subscription);
  await db.syncClient.update({
    where: { id: device.id },
    data: { subscription: subscription as Prisma.InputJsonObject, rescopeRequired: true },
  });
  return { deviceId, subscription, evict };
}
