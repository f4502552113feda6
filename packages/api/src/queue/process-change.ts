import { type Db, inSqlTransaction, inTransaction, Prisma, sqlPoolOf, sqlState, type SyncQueue } from "@fieldsync/db";
import { type ConflictPolicy, type EntityType, type SyncChange, schemaVersion, syncChangeSchema } from "@fieldsync/schema";
import type { PushedChange } from "@fieldsync/sync-core";
import type { z } from "zod";
import { isDatabaseUnavailable } from "../database-unavailable.ts";
import type { ChangeNotifier } from "../context.ts";
import { type Outcome, applyChanges, fingerprintOf, lockDevice, prepare } from "../sync/apply.ts";
import { checksumSync } from "../sync/checksum.ts";
import { recordOutcomes } from "../sync/claims.ts";
import { upgradeChange } from "../sync/upgrade.ts";
import { prismaSql } from "../sync/sql.ts";

/** What processing needs: the database and the conflict policy overrides. */
export interface ProcessDeps {
  db: Db;
  conflictPolicies?: Partial<Record<EntityType, ConflictPolicy>>;
  /** Nudges live clients after changes were applied (the worker coalesces them per commit window: commitWindows). */
  notifier?: ChangeNotifier | null;
}

export interface ProcessOptions {
  /** Attempts per change; the last failure dead-letters it (status FAILED) and moves on. */
  maxAttempts: number;
  /** How long one attempt waits for a row lock before failing (and being retried). */
  lockTimeoutMs: number;
}

/** Serialization failures and deadlocks that outlived inTransaction's own retries. */
const transientStates = new Set(["40001", "40P01"]);

/**
 * A stable reason code for a failed attempt (stored on the row; the dead letter keeps the last).
 * Outages never get here: they are not counted as attempts (see processQueuedChange).
 */
export function failureCode(error: unknown): string {
  const state = sqlState(error);
  if (state === "55P03") return "LOCK_TIMEOUT";
  if (state && transientStates.has(state)) return "TRANSIENT_DATABASE_ERROR";
  return "PROCESSING_FAILED";
}

/** A queued row, its client timestamp read as the ISO text the change carried. */
type QueuedRow = Pick<
  SyncQueue,
  "id" | "changeId" | "fingerprint" | "entityType" | "entityId" | "operation" | "payload" | "schemaVersion" | "clientVersion" | "checksum"
> & { timestamp: string };

/** The change a row holds. Optional members are set, not spread in: a conditional spread per row cost ~2.5 ms a 500-row batch. */
function changeOf(row: QueuedRow): SyncChange {
  const change: SyncChange = {
    entityType: row.entityType as SyncChange["entityType"],
    entityId: row.entityId,
    operation: row.operation,
    payload: row.payload as Record<string, unknown>,
    clientVersion: row.clientVersion,
    timestamp: row.timestamp,
  };
  if (row.changeId) change.changeId = row.changeId;
  if (row.checksum) change.checksum = row.checksum;
  return change;
}

type QueuedChange = { pushed: PushedChange } | { invalid: string };

/**
 * A queued row as the change to apply, or why it cannot be. Every row is validated again
 * (syncChangeSchema): the push that stored it validated it, but a stored row can be damaged or
 * edited since, and a malformed one must be rejected INVALID_PAYLOAD, never applied. A row of
 * this build's schema version is not fingerprinted again: its payload's checksum, needed only to
 * verify the change's own `checksum`, is that one when the stored fingerprint says so (one short
 * hash instead of the payload's canonical JSON). An older build's row is upgraded first.
 */
function queuedChange(row: QueuedRow): QueuedChange | Promise<QueuedChange> {
  if (row.schemaVersion !== schemaVersion) return upgradedChange(row);
  const parsed = syncChangeSchema.safeParse(changeOf(row));
  if (!parsed.success) return { invalid: issuesOf(parsed.error) };
  const change = parsed.data;
  const payloadChecksum = row.checksum === null ? null : fingerprintOf(change, row.checksum) === row.fingerprint ? row.checksum : checksumSync(change.payload);
  return { pushed: { change, payloadChecksum } };
}

async function upgradedChange(row: QueuedRow): Promise<QueuedChange> {
  const parsed = syncChangeSchema.safeParse(await upgradeChange(changeOf(row), row.schemaVersion));
  return parsed.success ? { pushed: prepare(parsed.data, 0) } : { invalid: issuesOf(parsed.error) };
}

const issuesOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");

/** Changes applied per transaction while nothing fails: a whole push of the usual size. */
const batchSize = 500;

/**
 * Applies the device's oldest unfinished changes (at most `limit`) in one transaction, in arrival
 * order, under a per-device advisory lock so concurrent jobs of one device never interleave.
 * Returns how many rows it finished (0 when nothing was waiting) and whether any was left
 * waiting after them. `head.id` is set to the oldest row it took, so a failure is counted against
 * that row and no other.
 */
async function applyHead(
  { db, conflictPolicies }: ProcessDeps,
  clientId: string,
  limit: number,
  lockTimeoutMs: number,
  head: { id: string | null },
): Promise<{ done: number; more: boolean }> {
  head.id = null;
  return inSqlTransaction(db, async (sql) => {
    // The lock timeout is set in the same round trip as the device is read.
    const [client] = await sql.query<{ id: string; orgId: string; userId: string }>(
      `SELECT "id", "orgId", "userId" FROM "SyncClient", set_config('lock_timeout', $2, true) WHERE "id" = $1`,
      [clientId, `${lockTimeoutMs}ms`],
    );
    if (!client) throw new Error(`no SyncClient ${clientId}`);
    const writer = { orgId: client.orgId, userId: client.userId, clientId: client.id };
    await lockDevice(sql, writer);
    // One row past the limit, left as it is, says whether the device's queue is drained.
    const taken = await sql.query<QueuedRow>(
      `SELECT "id", "changeId", "fingerprint", "entityType", "entityId", "operation", "payload", "schemaVersion", "clientVersion", "checksum",
              to_char("clientTimestamp", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "timestamp"
       FROM "SyncQueue" WHERE "clientId" = $1 AND "status" IN ('PENDING', 'SYNCING')
       ORDER BY "seq" LIMIT $2 FOR UPDATE`,
      [clientId, limit + 1],
    );
    const rows = taken.slice(0, limit);
    if (rows.length === 0) return { done: 0, more: false };
    head.id = rows[0]!.id;
    const changes = await Promise.all(rows.map(queuedChange));
    const valid = changes.flatMap((c) => ("pushed" in c ? [c.pushed] : []));
    const decided = (await applyChanges(sql, writer, valid, conflictPolicies ?? {})).decisions;
    let next = 0;
    const outcomes = rows.map((row, i): { id: string; outcome: Outcome } => {
      const change = changes[i]!;
      return { id: row.id, outcome: "pushed" in change ? decided[next++]!.outcome : { status: "rejected", code: "INVALID_PAYLOAD", message: change.invalid } };
    });
    await recordOutcomes(sql, outcomes, true);
    return { done: rows.length, more: taken.length > limit };
  });
}

/**
 * Counts a failed attempt at the change that failed (`headId`; the device's oldest unfinished one
 * when the attempt failed before taking any), under the row lock so concurrent jobs count each
 * attempt once; at the limit the change becomes a dead letter and stops blocking the device's
 * later changes. True once it is dead-lettered or already finished, e.g. by a concurrent job: the
 * failure is then not pinned on the next change in line.
 */
async function recordFailure(db: Db, clientId: string, headId: string | null, error: unknown, maxAttempts: number): Promise<boolean> {
  const code = failureCode(error);
  const message = (error as Error).message?.slice(0, 500) ?? String(error);
  return inTransaction(db, async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string; attempts: number }[]>`
      SELECT "id", "attempts" FROM "SyncQueue" WHERE "clientId" = ${clientId} AND "status" IN ('PENDING', 'SYNCING')
        ${headId ? Prisma.sql`AND "id" = ${headId}` : Prisma.empty}
      ORDER BY "seq" LIMIT 1 FOR UPDATE`;
    if (!row) return true;
    const attempts = row.attempts + 1;
    await tx.syncQueue.update({ where: { id: row.id }, data: { attempts, errorCode: code, errorMessage: message } });
    if (attempts < maxAttempts) return false;
    const outcome: Outcome = { status: "rejected", code: "PROCESSING_FAILED", message: `${code} after ${attempts} attempts: ${message}` };
    await recordOutcomes(prismaSql(tx), [{ id: row.id, outcome }]);
    await tx.syncQueue.update({ where: { id: row.id }, data: { errorCode: code } });
    return true;
  });
}

/**
 * The worker's job, one per queued push (named after its first SyncQueue row): apply everything
 * the device has queued, in arrival order, 500 changes per transaction, on the same set-based
 * path as the inline push (applyChanges). Every transaction re-reads which rows are still
 * unfinished under locks, so a job run twice, or re-run after its worker was killed, applies
 * every change exactly once; a job that finds its device's queue already drained is done.
 * When a transaction fails (other than by a database outage), the device's changes are taken one
 * at a time until the failing one is isolated: it is retried (the error goes to BullMQ, which
 * backs off) until its attempts run out, then dead-lettered, so one poison change never blocks
 * the rest.
 */
export async function processQueuedChange(deps: ProcessDeps, queueItemId: string, options: ProcessOptions): Promise<{ processed: number }> {
  const [target] = await sqlPoolOf(deps.db).query<{ clientId: string; orgId: string }>(`SELECT "clientId", "orgId" FROM "SyncQueue" WHERE "id" = $1`, [queueItemId]);
  // The job of a push is named after its first row, which may be finished (by an earlier attempt
  // of this job, or another job's drain) while later rows of the device still wait: the device's
  // queue is drained whatever the named row's state.
  if (!target) return { processed: 0 };
  let processed = 0;
  let careful = 0;
  const head = { id: null as string | null };
  for (;;) {
    try {
      const limit = careful > 0 ? 1 : batchSize;
      const { done, more } = await applyHead(deps, target.clientId, limit, options.lockTimeoutMs, head);
      if (done === 0) return { processed };
      processed += done;
      await deps.notifier?.publish(target.orgId);
      careful = Math.max(0, careful - done);
      // Nothing left after the rows taken: the device's queue was empty when they were taken, so
      // no transaction is spent finding that out again. A row committed since belongs to a push
      // that enqueues its own job after its commit.
      if (!more) return { processed };
    } catch (error) {
      // An outage says nothing about the change: no attempt is counted, so a database restart
      // never dead-letters a technician's change. BullMQ retries the job with backoff, and the
      // relay enqueues the row again if those retries run out while it is still PENDING.
      if (isDatabaseUnavailable(error)) throw error;
      if (careful === 0) {
        careful = batchSize;
        continue;
      }
      if (!(await recordFailure(deps.db, target.clientId, head.id, error, options.maxAttempts))) throw error;
      careful--;
    }
  }
}
