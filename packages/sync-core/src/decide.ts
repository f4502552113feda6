import {
  type ConflictPolicy,
  type ConflictResolution,
  type EntityData,
  type EntityType,
  type RejectionCode,
  type ServerChange,
  type SyncChange,
  type SyncOperation,
  getEntity,
  toEntityData,
} from "@fieldsync/schema";
import { sameJson } from "./canonical.ts";
import { applyPatch, changedFields, threeWayMerge } from "./merge.ts";
import { suggestResolution } from "./suggest.ts";

// The server's decision of what one pushed change does to its entity: applied (with the row write
// it implies), a conflict (with its record), or rejected. Pure: the caller loads what it needs
// (current state, base version, referenced entities) and writes what it implies.

/** An entity as the server holds it. */
export interface EntityState {
  type: EntityType;
  id: string;
  /** 0 when the entity never existed. */
  version: number;
  deleted: boolean;
  lastModifiedAt: Date | null;
  checksum: string | null;
  /** Current fields; null when deleted or never created. */
  data: EntityData | null;
}

export const versionKey = (type: string, id: string, version: number) => `${type}:${id}@${version}`;

export const missingState = (type: EntityType, id: string): EntityState => ({
  type, id, version: 0, deleted: false, lastModifiedAt: null, checksum: null, data: null,
});

/** A pushed change with the checksum of its payload (computed by the caller: hashing is I/O-free but platform-specific). */
export interface PushedChange {
  change: SyncChange;
  /** Compared with the change's own `checksum` only: null when it carries none (nothing to compare). */
  payloadChecksum: string | null;
}

/** What a change did; `queued` is the caller's business (it decides nothing). */
export type Decided =
  | { status: "applied"; version: number; checksum: string | null; mergedConflictId: string | null }
  | { status: "conflict"; conflictId: string; serverVersion: number }
  | { status: "rejected"; code: RejectionCode; message: string };

/** A conflict record as stored (SyncConflict without the organization, device and user it belongs to). */
export interface ConflictRecord {
  id: string;
  changeId: string | null;
  entityType: EntityType;
  entityId: string;
  operation: SyncOperation;
  clientVersion: number;
  serverVersion: number;
  clientData: EntityData | null;
  serverData: EntityData | null;
  baseData: EntityData | null;
  conflictingFields: string[];
  suggestedResolution: ConflictResolution;
  /** MANUAL: open, for a person to resolve; MERGE: auto-merged by "system". */
  resolution: "MANUAL" | "MERGE";
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
}

/** A row write: the entity's table gets `data` (CREATE: the whole entity, UPDATE: changed fields, DELETE: unused). */
export interface EntityWrite {
  type: EntityType;
  id: string;
  operation: SyncOperation;
  data: EntityData;
  /** The entity after the write: the version the tracking trigger will give it. */
  next: EntityState;
}

export interface Decision {
  outcome: Decided;
  write: EntityWrite | null;
  conflict: ConflictRecord | null;
  /** An auto-merged entity the pushing device does not hold yet. */
  merged: ServerChange | null;
}

export interface DecideContext {
  now: Date;
  newId: () => string;
  /** sync-core's checksum of entity data (synchronous: the caller picks the platform's hash). */
  checksum: (data: EntityData) => string;
  /** Whether a live entity of `type` with this id exists (as the batch has left it so far). */
  exists: (type: EntityType, id: string) => boolean;
  /** Whether `id` is an active user of the pushing organization. */
  isUser: (id: string) => boolean;
}

const reject = (code: RejectionCode, message: string): Decision => ({
  outcome: { status: "rejected", code, message }, write: null, conflict: null, merged: null,
});

const appliedAt = (state: EntityState, mergedConflictId: string | null = null): Decided => ({
  status: "applied", version: state.version, checksum: state.data ? state.checksum : null, mergedConflictId,
});

export const toServerChange = (state: EntityState, operation: SyncOperation, timestamp: Date): ServerChange => ({
  entityType: state.type,
  entityId: state.id,
  operation,
  payload: state.data ?? {},
  clientVersion: state.version,
  timestamp: timestamp.toISOString(),
  checksum: state.data ? state.checksum : null,
});

/** The entities `data` (a whole entity or a patch of `type`) references, with the fields naming them. */
export function getReferences(type: EntityType, data: Record<string, unknown>): { field: string; type: EntityType; id: string }[] {
  return Object.entries(getEntity(type).references as Record<string, EntityType>).flatMap(([field, target]) => {
    const id = data[field];
    return typeof id === "string" ? [{ field, type: target, id }] : [];
  });
}

/** The user ids `data` (a whole entity or a patch of `type`) names, with the fields naming them. */
export function getUserReferences(type: EntityType, data: Record<string, unknown>): { field: string; id: string }[] {
  return (getEntity(type).userFields ?? []).flatMap((field) => {
    const id = data[field];
    return typeof id === "string" ? [{ field, id }] : [];
  });
}

/**
 * User fields of `data` naming no active user of the organization (null names nobody and is
 * fine). Only the fields a write carries are checked: an assignee who has since left stays on
 * the tasks an edit of other fields touches.
 */
export const unknownUsers = (type: EntityType, data: Record<string, unknown>, isUser: (id: string) => boolean): string[] =>
  getUserReferences(type, data).filter((ref) => !isUser(ref.id)).map((ref) => ref.field);

/** USER_NOT_FOUND's message, for a push's change and a conflict resolution alike. */
export const unknownUsersMessage = (fields: readonly string[]) => `No user of this organization: ${fields.join(", ")}`;

/** Reference fields of `data` naming an entity that does not exist. */
const missingReferences = (type: EntityType, data: EntityData, context: DecideContext): string[] =>
  getReferences(type, data).filter((ref) => !context.exists(ref.type, ref.id)).map((ref) => ref.field);

/**
 * The outcome of `change` on an entity in state `current`. `base` is the entity at the change's
 * `clientVersion` (null when unknown: never written, or a tombstone); `policy` the type's conflict
 * policy. Outcomes and codes are the push contract (apps/server push and conflict tests).
 */
export function decide(pushed: PushedChange, current: EntityState, base: EntityData | null, policy: ConflictPolicy, context: DecideContext): Decision {
  const { change } = pushed;
  if (change.checksum && change.checksum !== pushed.payloadChecksum) return reject("CHECKSUM_MISMATCH", "The payload does not match its checksum");
  const decider = new Decider(change, current, policy, context);
  switch (change.operation) {
    case "CREATE":
      return decider.create();
    case "UPDATE":
      return decider.update(change.clientVersion === current.version && current.data ? current.data : base);
    case "DELETE":
      return decider.delete(base);
  }
}

class Decider {
  constructor(
    private readonly change: SyncChange,
    private readonly state: EntityState,
    private readonly policy: ConflictPolicy,
    private readonly context: DecideContext,
  ) {}

  create(): Decision {
    const { change, state } = this;
    const data = toEntityData(change.entityType, change.payload);
    if (state.deleted) return reject("ENTITY_DELETED", "An entity with this id was deleted; ids are not reused");
    const strangers = this.strangers();
    if (strangers) return strangers;
    if (state.data) {
      // The same entity arriving again (e.g. resent under a new changeId) is already applied.
      if (sameJson(state.data, data)) return { outcome: appliedAt(state), write: null, conflict: null, merged: null };
      return this.conflict(data, null, changedFields(state.data, data));
    }
    return this.checkedWrite("CREATE", data, data);
  }

  update(base: EntityData | null): Decision {
    const { change, state } = this;
    if (state.version === 0) return reject("ENTITY_NOT_FOUND", "No entity with this id exists");
    if (change.clientVersion > state.version) return reject("VERSION_AHEAD", `The server has version ${state.version}`);
    const strangers = this.strangers();
    if (strangers) return strangers;
    if (state.data && change.clientVersion === state.version) return this.checkedWrite("UPDATE", applyPatch(state.data, change.payload), change.payload);
    const clientData = applyPatch(base ?? state.data ?? {}, change.payload);
    if (!state.data) return this.conflict(clientData, base, Object.keys(change.payload));

    const merge = threeWayMerge(base ?? {}, state.data, clientData);
    if (!base || !this.policy.autoMergeDisjoint || merge.conflictingFields.length > 0) {
      return this.conflict(clientData, base, base ? merge.conflictingFields : changedFields(state.data, clientData));
    }
    const record = this.record(clientData, base, [], true);
    if (sameJson(merge.merged, state.data)) {
      // Nothing to write, but the device's base is older: it gets the server's entity with the answer.
      const held = toServerChange(state, "UPDATE", state.lastModifiedAt ?? this.context.now);
      return { outcome: appliedAt(state, record.id), write: null, conflict: record, merged: held };
    }
    const write = this.write("UPDATE", merge.merged, merge.merged);
    return {
      outcome: appliedAt(write.next, record.id),
      write,
      conflict: record,
      merged: toServerChange(write.next, "UPDATE", this.context.now),
    };
  }

  delete(base: EntityData | null): Decision {
    const { change, state } = this;
    if (state.version === 0) return reject("ENTITY_NOT_FOUND", "No entity with this id exists");
    if (state.deleted) return { outcome: appliedAt(state), write: null, conflict: null, merged: null };
    if (change.clientVersion > state.version) return reject("VERSION_AHEAD", `The server has version ${state.version}`);
    if (change.clientVersion < state.version) return this.conflict(null, base, base && state.data ? changedFields(base, state.data) : []);
    const write = this.write("DELETE", null, {});
    return { outcome: appliedAt(write.next), write, conflict: null, merged: null };
  }

  /**
   * USER_NOT_FOUND when the change names someone who is not a user of the organization: before a
   * write, a merge or a conflict, whose client side a resolution could otherwise write.
   */
  private strangers(): Decision | null {
    const fields = unknownUsers(this.change.entityType, this.change.payload, this.context.isUser);
    return fields.length ? reject("USER_NOT_FOUND", unknownUsersMessage(fields)) : null;
  }

  /** A CREATE or UPDATE whose references (in the written fields) must exist. */
  private checkedWrite(operation: "CREATE" | "UPDATE", data: EntityData, writeData: EntityData): Decision {
    const missing = missingReferences(this.change.entityType, writeData, this.context);
    if (missing.length) return reject("REFERENCE_NOT_FOUND", `Referenced entity not found: ${missing.join(", ")}`);
    const write = this.write(operation, data, writeData);
    return { outcome: appliedAt(write.next), write, conflict: null, merged: null };
  }

  private write(operation: SyncOperation, data: EntityData | null, writeData: EntityData): EntityWrite {
    const { state, context } = this;
    const next: EntityState = {
      ...state,
      version: state.version + 1,
      deleted: operation === "DELETE",
      data,
      checksum: data ? context.checksum(data) : null,
      lastModifiedAt: context.now,
    };
    return { type: state.type, id: state.id, operation, data: writeData, next };
  }

  private conflict(clientData: EntityData | null, base: EntityData | null, fields: string[]): Decision {
    const record = this.record(clientData, base, fields, false);
    return {
      outcome: { status: "conflict", conflictId: record.id, serverVersion: this.state.version },
      write: null,
      conflict: record,
      merged: null,
    };
  }

  private record(clientData: EntityData | null, base: EntityData | null, conflictingFields: string[], merged: boolean): ConflictRecord {
    const { change, state, context } = this;
    return {
      id: context.newId(),
      changeId: change.changeId ?? null,
      entityType: change.entityType,
      entityId: change.entityId,
      operation: change.operation,
      clientVersion: change.clientVersion,
      serverVersion: state.version,
      clientData,
      serverData: state.data,
      baseData: base,
      conflictingFields,
      suggestedResolution: suggestResolution({
        serverModifiedAt: state.lastModifiedAt ?? new Date(0),
        clientTimestamp: new Date(change.timestamp),
        conflictingFields,
        mergeable: clientData !== null && state.data !== null && base !== null,
        policy: this.policy,
      }),
      resolution: merged ? "MERGE" : "MANUAL",
      resolvedBy: merged ? "system" : null,
      resolvedAt: merged ? context.now : null,
      createdAt: context.now,
    };
  }
}
