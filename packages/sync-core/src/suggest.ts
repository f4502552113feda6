import type { ConflictPolicy, ConflictResolution, NewerSide } from "@fieldsync/schema";

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

/**
 * Which side the rules above found edited more recently, read back from their answer (conflicts
 * store the answer, not the two timestamps): SERVER_WINS means the server was newer unless the
 * preference alone could have said so; CLIENT_WINS and MERGE mean it was not newer.
 */
export function newerSide(suggested: ConflictResolution, policy: Pick<ConflictPolicy, "preference">): NewerSide {
  if (suggested === "SERVER_WINS") return policy.preference === "SERVER_WINS" ? "unknown" : "server";
  if (suggested === "MANUAL") return "unknown";
  return "client";
}
