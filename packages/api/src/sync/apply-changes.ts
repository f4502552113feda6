import { retryable, sqlState } from "@fieldsync/db";
import type { ChangeResult, ServerChange } from "@fieldsync/schema";
import { type ConflictRecord, entityKey, newId } from "@fieldsync/sync-core";
import { TRPCError } from "@trpc/server";
import type { Deps } from "../context.ts";
import { isDatabaseUnavailable } from "../database-unavailable.ts";
import { type Outcome, type Prepared, type Writer, applyChanges, rejected } from "./apply.ts";
import { changeIdReused, findClaims, insertClaims } from "./claims.ts";
import { loadStates } from "./entities.ts";
import type { Sql } from "./sql.ts";

// The work of a push's transaction (after lockDevice): sort its changes by their claims, apply
// the fresh ones (inline) or leave them to the worker (queued), then write their claims with
// their outcomes. Fast path: all changes together, set-based. When that transaction fails for a
// reason that is neither an outage nor a race, the push runs again with every change in a
// savepoint of its own, so the failing change is rejected CHANGE_FAILED and the rest applies.

/** One push transaction's place: its connection, who writes, and whether changes are queued. */
export interface PushScope {
  sql: Sql;
  deps: Pick<Deps, "config" | "log">;
  writer: Writer;
  deviceId: string;
  queued: boolean;
}

/** What the push response and the after-commit steps need from the transaction. */
export interface Applied {
  results: ChangeResult[];
  /** Open conflicts the changes created. */
  conflicts: ConflictRecord[];
  /** Auto-merged entities the device does not hold yet. */
  merged: ServerChange[];
  /** SyncQueue rows to hand to the worker. */
  enqueue: string[];
  /** Applied changes, one per entity, for the organization's other devices to preview. */
  live: ServerChange[];
}

const changeFailed = rejected(
  "CHANGE_FAILED",
  "The server could not apply this change (logged for the operators); the rest of the push was applied. Sending it again retries it.",
);

/**
 * Whether a failed push transaction is worth retrying change by change: not an outage (503, the
 * client retries it all), not a race (inTransaction retries those), not an answer the API meant
 * to give (e.g. a revoked device).
 */
export const isChangeFailure = (error: unknown) =>
  !(error instanceof TRPCError) && !isDatabaseUnavailable(error) && !retryable.has(sqlState(error) ?? "");

const toResult = (p: Prepared, outcome: Outcome, duplicate: boolean): ChangeResult => ({
  index: p.index,
  changeId: p.change.changeId ?? null,
  entityType: p.change.entityType,
  entityId: p.change.entityId,
  duplicate,
  ...outcome,
});

/** All changes in one claim lookup, one batch and one claim insert: a fixed number of statements however many there are. */
export async function applyTogether({ sql, deps, writer, queued }: PushScope, prepared: Prepared[]): Promise<Applied> {
  const { fresh, earlier, reused } = await findClaims(sql, writer.clientId, prepared);
  const decided = queued || fresh.length === 0 ? null : await applyChanges(sql, writer, fresh, deps.config.conflictPolicies ?? {});
  const outcomes = new Map<string, Outcome>(
    fresh.map((p, i) => [p.key, decided ? decided.decisions[i]!.outcome : { status: "queued", queueItemId: newId() }]),
  );
  await insertClaims(sql, writer, fresh.map((p) => ({ p, outcome: outcomes.get(p.key)! })));
  const freshOnes = new Set(fresh);
  const results = prepared.map((p) => {
    if (reused.has(p)) return toResult(p, changeIdReused, false);
    if (freshOnes.has(p)) return toResult(p, outcomes.get(p.key)!, false);
    return toResult(p, earlier.get(p.key) ?? outcomes.get(p.key)!, true);
  });
  return {
    results,
    conflicts: decided?.records.filter((r) => r.resolution === "MANUAL") ?? [],
    merged: decided?.merged ?? [],
    enqueue: queued ? fresh.map((p) => (outcomes.get(p.key) as { queueItemId: string }).queueItemId) : [],
    live: decided?.live ?? [],
  };
}

/**
 * The slow path: each change applied alone in a savepoint, in order. A change that fails is
 * rolled back to its savepoint, logged and rejected CHANGE_FAILED without a claim (so sending it
 * again retries it); outages and races still fail the whole transaction. Entities are locked up
 * front in the fast path's order, so concurrent pushes cannot deadlock on the order.
 */
export async function applyOneByOne(scope: PushScope, prepared: Prepared[]): Promise<Applied> {
  const { sql, deps, writer } = scope;
  if (!scope.queued) await loadStates(sql, writer.orgId, prepared.map((p) => ({ type: p.change.entityType, id: p.change.entityId })), true);
  const parts: Applied[] = [];
  for (const p of prepared) {
    await sql.query(`SAVEPOINT fieldsync_change`);
    try {
      parts.push(await applyTogether(scope, [p]));
      await sql.query(`RELEASE SAVEPOINT fieldsync_change`);
    } catch (error) {
      if (!isChangeFailure(error)) throw error;
      await sql.query(`ROLLBACK TO SAVEPOINT fieldsync_change`);
      const { changeId, entityType, entityId, operation } = p.change;
      deps.log?.warn({ err: error, index: p.index, changeId, entityType, entityId, operation, deviceId: scope.deviceId }, "change failed: rejected CHANGE_FAILED");
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
