import { Prisma, type Db } from "@fieldsync/db";
import { type QueueStatsResponse, type SyncStatus, syncStatusSchema } from "@fieldsync/schema";
import type { AuthUser, Deps } from "../context.ts";

/** Admins see the whole organization; technicians their own devices. */
export const queueScope = (user: AuthUser) =>
  user.role === "ADMIN" ? Prisma.sql`c."orgId" = ${user.orgId}` : Prisma.sql`c."orgId" = ${user.orgId} AND c."userId" = ${user.id}`;

interface DeviceRow {
  clientId: string;
  deviceId: string;
  deviceName: string | null;
  label: string | null;
  userId: string;
  lastSyncAt: Date | null;
  registeredAt: Date;
  pending: bigint;
  failed: bigint;
  oldestPending: Date | null;
}

export async function deviceBacklog(db: Db, scope: Prisma.Sql): Promise<DeviceRow[]> {
  return db.$queryRaw<DeviceRow[]>`
    SELECT c."id" AS "clientId", c."deviceId", c."deviceName", c."label", c."userId", c."lastSyncAt", c."registeredAt",
           count(q."id") FILTER (WHERE q."status" IN ('PENDING', 'SYNCING')) AS pending,
           count(q."id") FILTER (WHERE q."status" = 'FAILED') AS failed,
           min(q."createdAt") FILTER (WHERE q."status" IN ('PENDING', 'SYNCING')) AS "oldestPending"
    FROM "SyncClient" c LEFT JOIN "SyncQueue" q ON q."clientId" = c."id"
    WHERE ${scope}
    GROUP BY c."id" ORDER BY c."deviceId"`;
}

const ageSeconds = (date: Date | null) => (date ? Math.max(0, (Date.now() - date.getTime()) / 1000) : null);

/** GET /api/sync/queue/stats. */
export async function queueStats({ db, queue }: Deps, user: AuthUser): Promise<QueueStatsResponse> {
  const scope = queueScope(user);
  const counts = await db.$queryRaw<{ status: SyncStatus; n: bigint }[]>`
    SELECT q."status", count(*) AS n FROM "SyncQueue" q JOIN "SyncClient" c ON c."id" = q."clientId"
    WHERE ${scope} GROUP BY q."status"`;
  const devices = await deviceBacklog(db, scope);
  const oldest = devices.map((d) => d.oldestPending).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0];
  return {
    counts: Object.fromEntries(syncStatusSchema.options.map((s) => [s, Number(counts.find((c) => c.status === s)?.n ?? 0)])) as Record<SyncStatus, number>,
    oldestPendingSeconds: ageSeconds(oldest ?? null),
    devices: devices.map((d) => ({
      deviceId: d.deviceId,
      userId: d.userId,
      pending: Number(d.pending),
      failed: Number(d.failed),
      oldestPendingSeconds: ageSeconds(d.oldestPending),
      lastSyncAt: d.lastSyncAt?.toISOString() ?? null,
    })),
    jobs: queue ? await queue.jobCounts() : null,
  };
}
