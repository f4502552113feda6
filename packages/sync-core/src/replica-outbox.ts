import { type LookupConflictsResponse, errorCodes } from "@fieldsync/schema";
import { type OutboxEntry } from "./replica.ts";
import { entityKey } from "./entity-key.ts";

/**
 * Picks the next changes to push from the outbox, offered in push order: one change per entity
 * (the next one's base is the version this one produces); an entity whose oldest change waits on
 * a conflict or failed is held back entirely, so its later edits are not applied out of order.
 * `skip` holds back changes already sent in this cycle. Claimed entries count one more attempt.
 */
export function batchClaimer(limit: number, skip: ReadonlySet<number>) {
  const seen = new Set<string>();
  const batch: OutboxEntry[] = [];
  return {
    batch,
    full: () => batch.length >= limit,
    offer(entry: OutboxEntry) {
      const key = entityKey(entry.entityType, entry.entityId);
      if (seen.has(key)) return;
      seen.add(key);
      if (entry.status === "pending" && !skip.has(entry.seq!)) batch.push({ ...entry, attempts: entry.attempts + 1 });
    },
  };
}

/**
 * A failed change sent again. It gets a new changeId, because the server replays its stored
 * rejection for the old one, and the entity's current version as base. null: not failed.
 */
export function retried(entry: OutboxEntry, currentVersion: number, changeId: string): OutboxEntry | null {
  if (entry.status !== "failed") return null;
  return {
    ...entry,
    changeId,
    baseVersion: entry.operation === "CREATE" ? 0 : currentVersion,
    status: "pending",
    attempts: 0,
    error: null,
  };
}

/**
 * What the looked-up state of their conflicts does to changes waiting on one. A change waits until
 * its conflict is known resolved (then it is dropped: the resolution arrives as a server change); a
 * conflict the server does not know (e.g. its database was reset) fails the change, which the user
 * can retry or discard. A change whose conflict was not asked about, or is open, stays.
 */
export function settleConflicts(waiting: readonly OutboxEntry[], own: LookupConflictsResponse["conflicts"]) {
  const statusOf = new Map(own.map((lookup) => [lookup.conflictId, lookup.status]));
  const dropped: OutboxEntry[] = [];
  const failed: OutboxEntry[] = [];
  for (const entry of waiting) {
    const status = entry.conflictId === null ? undefined : statusOf.get(entry.conflictId);
    if (status === "resolved") dropped.push(entry);
    else if (status !== undefined && status !== "open") {
      const error = { code: errorCodes.NOT_FOUND, message: "The server no longer knows the conflict this change waited on; retry or discard it" };
      failed.push({ ...entry, status: "failed", conflictId: null, error });
    }
  }
  return { dropped, failed };
}
