import type { SyncClient, SyncConflict, Tx } from "@fieldsync/db";
import type { ChangeResult, ServerChange } from "@fieldsync/schema";
import { TRPCError } from "@trpc/server";
import type { AuthUser, Deps } from "../context.ts";
import { isDatabaseUnavailable } from "../database-unavailable.ts";
import { type Outcome, type Prepared, Batch, changeIdReused, claim, recordOutcomes, toResult } from "./apply.ts";
import { entityKey, loadStates } from "./entities.ts";
import { retryable, sqlState } from "./transaction.ts";

// The work of a push's transaction: claim its changes, then apply them (inline) or leave them to
// the worker (queued). Fast path: all changes together, set-based. When that transaction fails
// for a reason that is neither an outage nor a race, the push runs again with every change in a
// savepoint of its own, so the failing change is rejected CHANGE_FAILED and the rest applies.

/** One push transaction's place: who pushes, from which device, and whether changes are queued. */
export interface PushScope {
  tx: Tx;
  deps: Pick<Deps, "config" | "log">;
  user: AuthUser;
  device: SyncClient;
  queued: boolean;
}

/** What the push response and the after-commit steps need from the transaction. */
export interface Applied {
  results: ChangeResult[];
  /** Open conflicts the changes created. */
  conflicts: SyncConflict[];
  /** Auto-merged entities the device does not hold yet. */
  merged: ServerChange[];
  /** SyncQueue rows to hand to the worker. */
  enqueue: string[];
  /** Applied changes, one per entity, for the organization's other devices to preview. */
  live: ServerChange[];
}

const changeFailed: Outcome = {
  status: "rejected",
  code: "CHANGE_FAILED",
  message: "The server could not apply this change (logged for the operators); the rest of the push was applied. Sending it again retries it.",
};

/**
 * Whether a failed push transaction is worth retrying change by change: not an outage (503, the
 * client retries it all), not a race (inTransaction retries those), not an answer the API meant
 * to give (e.g. a revoked device).
 */
export const isChangeFailure = (error: unknown) =>
  !(error instanceof TRPCError) && !isDatabaseUnavailable(error) && !retryable.has(sqlState(error) ?? "");

/** All changes in one claim and one batch: a fixed number of statements however many there are. */
export async function applyTogether({ tx, deps, user, device, queued }: PushScope, prepared: Prepared[]): Promise<Applied> {
  const { fresh, earlier, reused } = await claim(tx, user, device, prepared, queued ? "PENDING" : "SYNCING");
  const outcomes = new Map<string, Outcome>();
  let batch: Batch | null = null;
  if (queued) {
    for (const [p, id] of fresh) outcomes.set(p.key, { status: "queued", queueItemId: id });
  } else {
    batch = await Batch.open(tx, user, device, [...fresh.keys()].map((p) => p.change), deps.config.conflictPolicies ?? {});
    for (const p of fresh.keys()) outcomes.set(p.key, await batch.apply(p));
    await batch.flush();
    await recordOutcomes(tx, [...fresh].map(([p, id]) => ({ id, outcome: outcomes.get(p.key)! })));
  }
  const previews = new Map<string, ServerChange>();
  for (const p of fresh.keys()) {
    if (batch && outcomes.get(p.key)!.status === "applied") previews.set(entityKey(p.change.entityType, p.change.entityId), batch.serverChange(p));
  }
  const results = prepared.map((p) => {
    if (reused.has(p)) return toResult(p, changeIdReused, false);
    if (fresh.has(p)) return toResult(p, outcomes.get(p.key)!, false);
    return toResult(p, earlier.get(p.key) ?? outcomes.get(p.key)!, true);
  });
  return {
    results,
    conflicts: batch?.conflicts ?? [],
    merged: batch?.merged ?? [],
    enqueue: queued ? [...fresh.values()] : [],
    live: [...previews.values()],
  };
}

/**
 * The slow path: each change claimed and applied alone in a savepoint, in order. A change that
 * fails is rolled back to its savepoint, logged and rejected CHANGE_FAILED without a claim (so
 * sending it again retries it); outages and races still fail the whole transaction. Entities are
 * locked up front in the fast path's order, so concurrent pushes cannot deadlock on the order.
 */
export async function applyOneByOne(scope: PushScope, prepared: Prepared[]): Promise<Applied> {
  const { tx, deps, user } = scope;
  if (!scope.queued) await loadStates(tx, user.orgId, prepared.map((p) => ({ type: p.change.entityType, id: p.change.entityId })), true);
  const parts: Applied[] = [];
  for (const p of prepared) {
    await tx.$executeRaw`SAVEPOINT fieldsync_change`;
    try {
      parts.push(await applyTogether(scope, [p]));
      await tx.$executeRaw`RELEASE SAVEPOINT fieldsync_change`;
    } catch (error) {
      if (!isChangeFailure(error)) throw error;
      await tx.$executeRaw`ROLLBACK TO SAVEPOINT fieldsync_change`;
      const { changeId, entityType, entityId, operation } = p.change;
      deps.log?.warn({ err: error, index: p.index, changeId, entityType, entityId, operation, deviceId: scope.device.deviceId }, "change failed: rejected CHANGE_FAILED");
      parts.push({ results: [toResult(p, changeFailed, false)], conflicts: [], merged: [], enqueue: [], live: [] });
    }
  }
  const live = new Map(parts.flatMap((part) => part.live).map((change) => [entityKey(change.entityType, change.entityId), change]));
  return {
    results: parts.flatMap((part) => part.results),
    conflicts: parts.flatMap((part) => part.conflicts),
    merged: parts.flatMap((part) => part.merged),
    enqueue: parts.flatMap((part) => part.enqueue),
    live: [...live.values()],
  };
}
