import { Prisma, type Db, type Tx } from "@fieldsync/db";

/** What an audit entry is about. Action names are stable strings: dashboards and queries use them. */
export const auditActions = {
  conflictResolved: "conflict.resolved",
  deviceRegistered: "device.registered",
  deviceRevoked: "device.revoked",
  queueRetried: "queue.retried",
  cacheInvalidated: "cache.invalidated",
} as const;

export type AuditAction = (typeof auditActions)[keyof typeof auditActions] | (string & {});

export interface AuditEntry {
  orgId: string;
  /** A user id, or a process name such as "system" or "worker". */
  actorId: string;
  action: AuditAction;
  targetType: string;
  targetId: string;
  /** JSON-serialisable snapshots; undefined and null are stored as SQL NULL. */
  before?: unknown;
  after?: unknown;
}

const json = (value: unknown) =>
  value === undefined || value === null ? Prisma.DbNull : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);

/**
 * Appends one audit entry. Pass the transaction of the action being recorded, so the entry
 * commits or rolls back with it (a plain client works for actions that are not transactional).
 * The table refuses UPDATE and DELETE (trigger), so entries are never changed afterwards.
 */
export async function recordAudit(tx: Tx | Db, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({
    data: {
      orgId: entry.orgId,
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: json(entry.before),
      after: json(entry.after),
    },
  });
}
