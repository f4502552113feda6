import { type ConflictPolicy, type EntityData, type EntityType, type ServerChange, entityRegistry, entityTypes, getEntity } from "@fieldsync/schema";
import { type ConflictRecord, type DecideContext, type Decision, type EntityState, type EntityWrite, type PushedChange, decide, getReferences, toServerChange, versionKey } from "./decide.ts";
import { entityKey } from "./entity-key.ts";

// A whole push decided in order over an in-memory copy of the entities it touches: repeated edits
// of one entity, bases at versions written earlier in the batch, references to entities created
// earlier, and the cascade deletes of dependents a delete implies (the database's ON DELETE
// CASCADE, which the tracking triggers version like any delete).

export interface BatchInput {
  /** The changes to decide, in push order. */
  changes: readonly PushedChange[];
  /**
   * The entities as loaded: every entity a change touches (missingState when it never existed)
   * and every entity a change's payload references.
   */
  states: ReadonlyMap<string, EntityState>;
  /** Entities at the base versions of stale changes (versionKey → data), from the change log. */
  bases: ReadonlyMap<string, EntityData>;
  /** The active users of the organization among those the changes' user fields name (getUserReferences). */
  users: ReadonlySet<string>;
  policies: Partial<Record<EntityType, ConflictPolicy>>;
  now: Date;
  newId: () => string;
  checksum: (data: EntityData) => string;
}

/**
 * A row write, with the round it must be flushed in. Within a round, writes go creates, updates,
 * deletes; creates and updates in registry order (referenced types first), deletes in reverse
 * (dependents first, before a cascade could reach them); an entity written twice is written in
 * two rounds (one statement cannot version a row twice), and a delete comes no earlier than the
 * writes of the dependents it cascades to.
 */
export interface PlannedWrite extends EntityWrite {
  round: number;
}

export interface BatchDecision {
  /** One per change, in order. */
  decisions: Decision[];
  /** Row writes in flush order. */
  writes: PlannedWrite[];
  /** Conflict records to store (open ones and auto-merges). */
  records: ConflictRecord[];
  /** Auto-merged entities the device does not hold yet. */
  merged: ServerChange[];
  /** The applied entities as the batch leaves them, one per entity, for other devices' previews. */
  live: ServerChange[];
  /** Every loaded entity as the batch leaves it. */
  states: Map<string, EntityState>;
}

const operationOrder = { CREATE: 0, UPDATE: 1, DELETE: 2 } as const;

/** Per type, the types with a reference field pointing at it, and those fields. */
const dependents = new Map(
  entityTypes.map((type) => [
    type,
    entityTypes.flatMap((dependent) =>
      Object.entries(getEntity(dependent).references as Record<string, EntityType>)
        .filter(([, target]) => target === type)
        .map(([field]) => ({ type: dependent, field })),
    ),
  ]),
);

export function decideBatch(input: BatchInput): BatchDecision {
  const states = new Map(input.states);
  // The batch replaces loaded states, never adds one: a cascade looks only at the dependent type's keys.
  const keysOfType = new Map<EntityType, string[]>();
  for (const [key, state] of states) {
    const keys = keysOfType.get(state.type);
    if (keys) keys.push(key);
    else keysOfType.set(state.type, [key]);
  }
  const bases = new Map(input.bases);
  for (const state of states.values()) if (state.data) bases.set(versionKey(state.type, state.id, state.version), state.data);
  /** The round of each entity's last write (cascades included). */
  const rounds = new Map<string, number>();
  const context: DecideContext = {
    now: input.now,
    newId: input.newId,
    checksum: input.checksum,
    exists: (type, id) => states.get(entityKey(type, id))?.data != null,
    isUser: (id) => input.users.has(id),
  };
  const result: BatchDecision = { decisions: [], writes: [], records: [], merged: [], live: [], states };
  const live = new Map<string, PushedChange>();

  /**
   * Marks the live dependents of a deleted entity deleted, transitively (adding their keys to
   * `gone`); returns the latest round any of them was written in, which the delete must not precede.
   */
  const cascade = (deleted: EntityState, gone: string[]): number => {
    let latest = 0;
    for (const { type, field } of dependents.get(deleted.type)!) {
      for (const key of keysOfType.get(type) ?? []) {
        const state = states.get(key)!;
        if (state.data?.[field] !== deleted.id) continue;
        const removed: EntityState = { ...state, version: state.version + 1, deleted: true, data: null, checksum: null, lastModifiedAt: input.now };
        states.set(key, removed);
        gone.push(key);
        latest = Math.max(latest, rounds.get(key) ?? 0, cascade(removed, gone));
      }
    }
    return latest;
  };

  const roundOf = (write: EntityWrite): number => {
    const key = entityKey(write.type, write.id);
    let round = (rounds.get(key) ?? 0) + 1;
    if (write.operation === "DELETE") {
      const gone: string[] = [];
      round = Math.max(round, cascade(write.next, gone));
      for (const dependent of gone) rounds.set(dependent, round);
    } else {
      // Not before the write that created (or last changed) a referenced entity.
      for (const ref of getReferences(write.type, write.data)) round = Math.max(round, rounds.get(entityKey(ref.type, ref.id)) ?? 0);
    }
    rounds.set(key, round);
    return round;
  };

  for (const pushed of input.changes) {
    const { entityType: type, entityId: id, clientVersion } = pushed.change;
    const key = entityKey(type, id);
    const current = states.get(key);
    if (!current) throw new Error(`decideBatch: state of ${key} was not loaded`);
    const policy = input.policies[type] ?? entityRegistry[type].conflictPolicy;
    const decision = decide(pushed, current, bases.get(versionKey(type, id, clientVersion)) ?? null, policy, context);
    result.decisions.push(decision);
    if (decision.conflict) result.records.push(decision.conflict);
    if (decision.merged) result.merged.push(decision.merged);
    if (decision.outcome.status === "applied") live.set(key, pushed);
    if (decision.write) {
      const { next } = decision.write;
      states.set(key, next);
      if (next.data) bases.set(versionKey(type, id, next.version), next.data);
      result.writes.push({ ...decision.write, round: roundOf(decision.write) });
    }
  }

  const typeOrder = (w: EntityWrite) => entityTypes.indexOf(w.type) * (w.operation === "DELETE" ? -1 : 1);
  result.writes.sort((a, b) => a.round - b.round || operationOrder[a.operation] - operationOrder[b.operation] || typeOrder(a) - typeOrder(b));
  for (const [key, pushed] of live) {
    const state = states.get(key)!;
    const operation = state.deleted ? "DELETE" : pushed.change.operation === "CREATE" ? "CREATE" : "UPDATE";
    result.live.push(toServerChange(state, operation, state.lastModifiedAt ?? input.now));
  }
  return result;
}
