import type { ChangeResult, EntityType } from "@fieldsync/schema";
import type { OutboxEntry, ServerCopy } from "./replica.ts";
import { project } from "./replica-project.ts";

/**
 * What a push result does to the outbox entry it answers. `acknowledge`: the server holds it at
 * `version` (applied, also when a duplicate delivery replays it); `mark`: it waits on a conflict
 * or failed for good; `keep`: queued on the server, it stays pending and frozen, and pushing it
 * again under its changeId later returns its outcome.
 */
export type ResultEffect =
  | { kind: "acknowledge"; version: number }
  | { kind: "mark"; entry: OutboxEntry }
  | { kind: "keep" };

export function effectOfResult(entry: OutboxEntry, result: ChangeResult): ResultEffect {
  switch (result.status) {
    case "applied":
      return { kind: "acknowledge", version: result.version };
    case "conflict":
      return { kind: "mark", entry: { ...entry, status: "conflict", conflictId: result.conflictId, error: null } };
    case "rejected":
      return { kind: "mark", entry: { ...entry, status: "failed", error: { code: result.code, message: result.message } } };
    case "queued":
      return { kind: "keep" };
  }
}

/** The sent entry each result answers; a result naming another entity than its index's is ignored. */
export function answeredEntries(batch: readonly OutboxEntry[], results: readonly ChangeResult[]) {
  return results.flatMap((result) => {
    const sent = batch[result.index];
    return sent && sent.entityId === result.entityId ? [{ sent, result }] : [];
  });
}

/**
 * The server copy after the server acknowledged `entry` at `version`: the entry folded in. A newer
 * copy (a merge, another device's change received in the same answer) is kept as it is. Without a
 * copy (a reset dropped it in the same answer) only a CREATE, which is whole, makes one.
 */
export function acknowledged(type: EntityType, server: ServerCopy | undefined, entry: OutboxEntry, version: number): ServerCopy | undefined {
  if (server && version > server.version) return { serverData: project(type, server.serverData, [entry]), version };
  if (!server && entry.operation === "CREATE") return { serverData: project(type, null, [entry]), version };
  return server;
}

/**
 * Later unsent changes were made on top of an acknowledged one (or a resolution): their base is
 * `version` now. Returns the entries that changed; a sent entry is frozen, a CREATE has no base.
 * A base never goes back: a replayed answer (duplicate delivery after a lost response) names the
 * version the change made then, older than one a later edit may already be based on.
 */
export function rebase(queue: readonly OutboxEntry[], version: number): OutboxEntry[] {
  return queue.flatMap((entry) =>
    entry.attempts === 0 && entry.operation !== "CREATE" && entry.baseVersion < version ? [{ ...entry, baseVersion: version }] : [],
  );
}
