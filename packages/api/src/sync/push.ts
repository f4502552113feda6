import { inSqlTransaction, sqlPoolOf } from "@fieldsync/db";
import { type PushBody, type PushResponse, jobPriorities, limits } from "@fieldsync/schema";
import { toServerChange } from "@fieldsync/sync-core";
import type { AuthUser, Deps } from "../context.ts";
import { lockDevice, prepare } from "./apply.ts";
import { applyOneByOne, applyTogether, isChangeFailure } from "./apply-changes.ts";
import { presentConflicts } from "./conflict-present.ts";
import { encodeCursor, positionOf } from "./cursor.ts";
import { syncingDevice } from "./devices.ts";
import { loadStates } from "./entities.ts";
import { pull } from "./pull.ts";
import { planPull } from "./horizon.ts";
import { primaryPosition } from "./read-replica.ts";
import { readyToSync, recordSync } from "./record-sync.ts";
import { claimedDeletes, cursorAtHead } from "./push-head.ts";
import { prismaSql } from "./sql.ts";

/**
 * POST /api/sync. Applies the device's changes exactly once, in order, then returns what changed
 * elsewhere since its syncToken. A change seen before (same changeId, or same content without
 * one) is not applied again: its stored outcome is returned, marked duplicate. A changeId the
 * device already used for a different change is rejected CHANGE_ID_REUSED, and nothing written.
 *
 * Small pushes are applied inline, in one transaction, so a technician sees conflicts at once.
 * Larger ones (over `inlineMaxChanges`, or marked `async`) are stored as PENDING SyncQueue rows in
 * the request's transaction and handed to the worker; their results say "queued" and pushing the
 * same changes again later returns their final outcome. If Redis is down the rows stay PENDING
 * and the worker's relay enqueues them when it is back: PostgreSQL, not Redis, holds the changes.
 * A change that fails for an unexpected reason (not an outage) is rejected CHANGE_FAILED on its
 * own and the rest of the push applies (see apply-changes.ts).
 */
export async function pushChanges(deps: Deps, user: AuthUser, body: PushBody): Promise<PushResponse> {
  const run = { startedAt: new Date(), started: performance.now() };
  const { db, config } = deps;
  const { known, plan } = await planPull(db, config.cursorSecret, user, body.deviceId, body.syncToken);
  const { types, resetRequired } = plan;
  const prepared = body.changes.map(prepare);
  const queued = body.async === true || prepared.length > config.inlineMaxChanges;

  // Registration (first sync), a rename and the refusals commit on their own, before the push's transaction.
  const device = readyToSync(known, user, body.deviceName) ? known : await syncingDevice(db, user, body.deviceId, config.maxDevicesPerUser, body.deviceName);
  const writer = { orgId: user.orgId, userId: user.id, clientId: device.id };
  const attempt = (apply: typeof applyTogether) =>
    inSqlTransaction(db, async (sql) => {
      await lockDevice(sql, writer);
      const applied = await apply({ sql, deps, writer, deviceId: body.deviceId, queued }, prepared);
      const head = await cursorAtHead(sql, writer, plan.cursor, claimedDeletes(prepared, applied.results));
      const headToken = head && encodeCursor(config.cursorSecret, user.orgId, types, head);
      // At the head the answer is complete here, so the device's sync is recorded in the same
      // transaction. Its reset flags were clear when planned (it has a log cursor): one set since
      // (a reset or new scope asked for meanwhile) is left for its next sync, not cleared unseen.
      if (headToken) await recordSync(sql, "PUSH", device.id, headToken, run, false);
      return { ...applied, head, headToken };
    });
  // Set-based first; if a change fails it for an unexpected reason, each change on its own.
  const { results, conflicts, merged, enqueue, live, head, headToken } = await attempt(applyTogether).catch((error: unknown) => {
    if (!isChangeFailure(error)) throw error;
    return attempt(applyOneByOne);
  });

  // Announced while the answer goes out: the push's slot is not held for the event's reads and
  // its Redis round trip (a lost event costs latency, never data: devices still pull).
  if (live.length > 0) void deps.notifier?.publish(user.orgId, { originClientId: device.id, changes: live }).catch(() => undefined);
  if (enqueue.length > 0) {
    const priority = body.async && prepared.length <= config.inlineMaxChanges ? jobPriorities.interactive : jobPriorities.bulk;
    // One job per push, named after its first row: the worker drains the device's unfinished
    // rows in arrival order, this push's among them (see processQueuedChange).
    await deps.queue?.enqueue(enqueue.slice(0, 1), priority);
  }

  // At the head nothing is left to pull: the answer only moves the cursor past this push's writes.
  // A device that pulls on its own (`pull: false`) keeps its cursor and is told to pull.
  const deferred = !head && body.pull === false && plan.cursor?.mode === "log";
  const page = head ? { changes: [], cursor: head, hasMore: false, evict: [] } : deferred ? { changes: [], cursor: plan.cursor!, hasMore: true, evict: [] } : await pull(db, {
    orgId: user.orgId,
    types,
    cursor: plan.cursor,
    limit: limits.pushResponsePageSize,
    // After a reset the device holds nothing, not even its own changes.
    excludeClientId: resetRequired ? undefined : device.id,
    subscription: plan.subscription,
  });
  // A merged change answered again (its first answer was lost, or the worker merged it): the merge
  // was written under this device's name, so the pull above leaves it out. Without it the device
  // would keep its own unmerged copy under the merge's version.
  const replayedMerges = results.filter((r) => r.duplicate && r.status === "applied" && r.mergedConflictId);
  const remerged = replayedMerges.length
    ? [...(await loadStates(prismaSql(db), user.orgId, replayedMerges.map((r) => ({ type: r.entityType, id: r.entityId })), false)).values()].map((state) =>
        toServerChange(state, state.deleted ? "DELETE" : "UPDATE", state.lastModifiedAt ?? new Date()),
      )
    : [];
  const owner = { clientId: device.id, userId: user.id };
  // Below the head, the next pull must see this push (and the page above) even on a standby: the
  // token carries the primary's position after both (read-replica.ts). At the head there is nothing to see.
  const syncToken = headToken ?? encodeCursor(config.cursorSecret, user.orgId, types, page.cursor, await primaryPosition(deps));
  // A deferred pull has not dealt with a reset asked for meanwhile: its flags stay for the pull.
  if (!headToken) await recordSync(sqlPoolOf(db), "PUSH", device.id, syncToken, run, !deferred);
  return {
    syncToken,
    position: positionOf(page.cursor),
    changes: [...page.changes, ...merged, ...remerged],
    conflicts: await presentConflicts(sqlPoolOf(db), user.orgId, conflicts.map((record) => ({ ...record, ...owner }))),
    serverTime: new Date().toISOString(),
    results,
    hasMore: page.hasMore,
    resetRequired,
    evict: page.evict,
  };
}
