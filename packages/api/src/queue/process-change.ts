import type { Db, SyncQueue } from "@fieldsync/db";
import { type ConflictPolicy, type EntityType, type SyncChange, syncChangeSchema } from "@fieldsync/schema";
import { type Outcome, Batch, prepare, recordOutcomes } from "../sync/apply.ts";
import { loadStates } from "../sync/entities.ts";
import { inTransaction, sqlState } from "../sync/transaction.ts";

/** What processing needs: the database and the conflict policy overrides. */
export interface ProcessDeps {
  db: Db;
  conflictPolicies?: Partial<Record<EntityType, ConflictPolicy>>;
}

export interface ProcessOptions {
  /** Attempts per change; the last failure dead-letters it (status FAILED) and moves on. */
  maxAttempts: number;
  /** How long one attempt waits for a row lock before failing (and being retried). */
  lockTimeoutMs: number;
}

type Row = Pick<SyncQueue, "id" | "clientId" | "seq">;

const transientStates = new Set(["40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"]);

/** A stable reason code for a failed attempt (stored on the row; the dead letter keeps the last). */
export function failureCode(error: unknown): string {
  const state = sqlState(error);
  if (state === "55P03") return "LOCK_TIMEOUT";
  if (state && transientStates.has(state)) return "TRANSIENT_DATABASE_ERROR";
  if (state?.startsWith("08")) return "DATABASE_UNREACHABLE";
  return "PROCESSING_FAILED";
}

const changeOf = (row: SyncQueue): SyncChange => ({
  ...(row.changeId && { changeId: row.changeId }),
  entityType: row.entityType as SyncChange["entityType"],
  entityId: row.entityId,
  operation: row.operation,
  payload: row.payload as Record<string, unknown>,
  clientVersion: row.clientVersion,
  timestamp: row.clientTimestamp.toISOString(),
  ...(row.checksum && { checksum: row.checksum }),
});

/** The oldest unfinished change of the device, up to and including `target`. */
async function headOf(db: Db, target: Row) {
  return db.syncQueue.findFirst({
    where: { clientId: target.clientId, status: { in: ["PENDING", "SYNCING"] }, seq: { lte: target.seq } },
    orderBy: { seq: "asc" },
    select: { id: true, attempts: true },
  });
}

/** Applies one queued row in its own transaction; false if another run finished it first. */
async function applyRow({ db, conflictPolicies }: ProcessDeps, id: string, lockTimeoutMs: number): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const [row] = await tx.$queryRaw<SyncQueue[]>`SELECT * FROM "SyncQueue" WHERE "id" = ${id} FOR UPDATE`;
    if (!row || (row.status !== "PENDING" && row.status !== "SYNCING")) return false;
    await tx.$executeRaw`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`;
    const client = await tx.syncClient.findUniqueOrThrow({ where: { id: row.clientId }, include: { user: true } });
    const user = { id: client.user.id, orgId: client.orgId, email: client.user.email, role: client.user.role };
    let outcome: Outcome;
    const parsed = syncChangeSchema.safeParse(changeOf(row));
    if (!parsed.success) {
      outcome = { status: "rejected", code: "INVALID_PAYLOAD", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
    } else {
      await tx.$executeRaw`SELECT set_config('fieldsync.actor', ${user.id}, true), set_config('fieldsync.origin_client', ${client.id}, true)`;
      const p = await prepare(parsed.data, 0);
      const states = await loadStates(tx, user.orgId, [{ type: p.change.entityType, id: p.change.entityId }], true);
      outcome = await new Batch(tx, user, client, states, conflictPolicies ?? {}).apply(p);
    }
    await tx.syncQueue.update({ where: { id }, data: { attempts: { increment: 1 } } });
    await recordOutcomes(tx, [{ id, outcome }]);
    return true;
  });
}

/**
 * Counts a failed attempt, under the row lock so that concurrent drains of the same device count
 * each attempt once; at the limit the change becomes a dead letter. True once it is dead-lettered.
 */
async function recordFailure(db: Db, id: string, error: unknown, maxAttempts: number): Promise<boolean> {
  const code = failureCode(error);
  const message = (error as Error).message?.slice(0, 500) ?? String(error);
  return inTransaction(db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string; attempts: number }[]>`
      SELECT "status", "attempts" FROM "SyncQueue" WHERE "id" = ${id} FOR UPDATE`;
    if (!row || (row.status !== "PENDING" && row.status !== "SYNCING")) return true;
    const attempts = row.attempts + 1;
    await tx.syncQueue.update({ where: { id }, data: { attempts, errorCode: code, errorMessage: message } });
    if (attempts < maxAttempts) return false;
    const outcome: Outcome = { status: "rejected", code: "PROCESSING_FAILED", message: `${code} after ${attempts} attempts: ${message}` };
    await recordOutcomes(tx, [{ id, outcome }]);
    await tx.syncQueue.update({ where: { id }, data: { errorCode: code } });
    return true;
  });
}

/**
 * The worker's job: apply the device's queued changes in arrival order, up to and including this
 * one. Each change is its own transaction that re-checks the row's status under a row lock, so a
 * job run twice, or re-run after its worker was killed, applies every change exactly once.
 * A failing change is retried (the error propagates to BullMQ, which backs off) until its
 * attempts run out; then it is dead-lettered and no longer blocks the device's later changes.
 */
export async function processQueuedChange(deps: ProcessDeps, queueItemId: string, options: ProcessOptions): Promise<{ applied: number }> {
  const target = await deps.db.syncQueue.findUnique({ where: { id: queueItemId }, select: { id: true, clientId: true, seq: true } });
  if (!target) return { applied: 0 };
  let applied = 0;
  for (;;) {
    const head = await headOf(deps.db, target);
    if (!head) return { applied };
    try {
      if (await applyRow(deps, head.id, options.lockTimeoutMs)) applied++;
    } catch (error) {
      const deadLettered = await recordFailure(deps.db, head.id, error, options.maxAttempts);
      if (!deadLettered) throw error;
    }
  }
}
