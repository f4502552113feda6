import type { ConflictPolicy, ConflictResolution } from "@fieldsync/schema";

export interface SuggestInput {
  /** When the server's version was written. */
  serverModifiedAt: Date;
  /** When the client made its edit (the change's `timestamp`). */
  clientTimestamp: Date;
  /** Fields both sides changed differently; empty means the edits are disjoint. */
  conflictingFields: readonly string[];
  /** False when either side deleted the entity: there are no fields to merge. */
  mergeable: boolean;
  policy: Pick<ConflictPolicy, "preference">;
}

/**
 * The spec's automatic-resolution rules, in its order: the server was modified more recently →
 * SERVER_WINS; the edits touch different fields → MERGE; otherwise the configured preference
 * (CLIENT_WINS by default, as user-initiated changes are).
 */
export function suggestResolution(input: SuggestInput): ConflictResolution {
  if (input.serverModifiedAt.getTime() > input.clientTimestamp.getTime()) return "SERVER_WINS";
  if (input.mergeable && input.conflictingFields.length === 0) return "MERGE";
  return input.policy.preference;
}
