import { createHash, randomUUID } from "node:crypto";
import type { SyncClient, SyncConflict, Tx } from "@fieldsync/db";
import {
  type ChangeResult,
  type ConflictPolicy,
  type EntityData,
  type EntityType,
  type RejectionCode,
  type ServerChange,
  type SyncChange,
  type SyncStatus,
  entityRegistry,
  entityTypes,
  getEntity,
  toEntityData,
} from "@fieldsync/schema";
import { applyPatch, changedFields, sameJson, suggestResolution, threeWayMerge } from "@fieldsync/sync-core";
import type { AuthUser } from "../context.ts";
import { checksumSync } from "./checksum.ts";
import { insertConflicts } from "./conflict-record.ts";
import {
  type EntityState,
  dataAtVersion,
  dataAtVersions,
  entityKey,
  loadStates,
  missingReferences,
  toServerChange,
  type EntityWrite,
  versionKey,
  writeEntities,
} from "./entities.ts";

// Applying pushed changes, shared by the inline push and the background worker. Per-change
// problems are outcomes (applied | conflict | rejected), recorded in SyncQueue so that any
// redelivery of the same change returns the same outcome instead of applying it again.

export interface Prepared {
  index: number;
  change: SyncChange;
  key: string;
  /** What makes the change itself: a key replayed with another fingerprint is another change. */
  fingerprint: string;
  payloadChecksum: string;
}

/**
 * The change's fingerprint: a hash of its entity, operation, base version and payload (not its
 * timestamp, which a client may renew when it resends). Its idempotency key is its changeId, or
 * for clients that send none, the fingerprint itself.
 */
export function prepare(change: SyncChange, index: number): Prepared {
  const payloadChecksum = checksumSync(change.payload);
  const fingerprint = createHash("sha256")
    .update([change.entityType, change.entityId, change.operation, change.clientVersion, payloadChecksum].join("|"))
    .digest("hex");
  const key = change.changeId ? `c:${change.changeId}` : `h:${fingerprint}`;
  return { index, change, key, fingerprint, payloadChecksum };
}

export type Outcome =
  | { status: "applied"; version: number; checksum: string | null; mergedConflictId: string | null }
  | { status: "queued"; queueItemId: string }
  | { status: "conflict"; conflictId: string; serverVersion: number }
  | { status: "rejected"; code: RejectionCode; message: string };

export const queueStatus: Record<Outcome["status"], SyncStatus> = {
  applied: "COMPLETED",
  queued: "PENDING",
  conflict: "CONFLICT",
  rejected: "FAILED",
};

const dependentsOf = (type: EntityType) => entityTypes.filter((t) => Object.values(getEntity(t).references).includes(type));

const reject = (code: RejectionCode, message: string): Outcome => ({ status: "rejected", code, message });

/** The work of one push transaction, with what the response needs from it. */
export class Batch {
  readonly conflicts: SyncConflict[] = [];
  /** Entities whose server state the device does not have yet (auto-merged edits). */
  readonly merged: ServerChange[] = [];
  private readonly pending = new Map<string, { type: EntityType; operation: SyncChange["operation"]; write: EntityWrite }>();
  private readonly pendingDeletes = new Set<EntityType>();
  /** Conflict records (open and auto-merged) to insert at `flush`. */
  private readonly recorded: SyncConflict[] = [];

  private constructor(
    private readonly tx: Tx,
    private readonly user: AuthUser,
    private readonly device: SyncClient,
    private readonly states: Map<string, EntityState>,
    /** Base versions of stale changes, read up front (versionKey → data). */
    private readonly bases: Map<string, EntityData>,
    private readonly policies: Partial<Record<EntityType, ConflictPolicy>>,
  ) {}

  /**
   * Locks and loads the state of every entity the changes touch (see loadStates), and the base
   * version of each stale change, in a fixed number of queries however many changes there are.
   */
  static async open(tx: Tx, user: AuthUser, device: SyncClient, changes: readonly SyncChange[], policies: Partial<Record<EntityType, ConflictPolicy>>) {
    const states = await loadStates(tx, user.orgId, changes.map((c) => ({ type: c.entityType, id: c.entityId })), true);
    const stale = changes.filter((c) => c.clientVersion > 0 && c.clientVersion < states.get(entityKey(c.entityType, c.entityId))!.version);
    const bases = await dataAtVersions(tx, user.orgId, stale.map((c) => ({ type: c.entityType, id: c.entityId, version: c.clientVersion })));
    return new Batch(tx, user, device, states, bases, policies);
  }

  /** The entity as it was at `version`: read up front, or (a version this batch wrote) from the log. */
  private async baseOf(change: SyncChange): Promise<EntityData | null> {
    const { entityType: type, entityId: id, clientVersion: version } = change;
    return this.bases.get(versionKey(type, id, version)) ?? dataAtVersion(this.tx, this.user.orgId, type, id, version);
  }

  private state(type: EntityType, id: string) {
    return this.states.get(entityKey(type, id))!;
  }

  /**
   * Records the entity's new state and queues its row write for `flush` (the trigger will bump
   * its version to exactly this one: its SyncMetadata row is locked, or it is new).
   */
  private write(p: Prepared, operation: SyncChange["operation"], data: EntityData | null, writeData: EntityData) {
    const { entityType: type, entityId: id } = p.change;
    const key = entityKey(type, id);
    this.pending.set(key, { type, operation, write: { id, data: writeData } });
    if (operation === "DELETE") this.pendingDeletes.add(type);
    const state = this.state(type, id);
    const next: EntityState = {
      ...state,
      version: state.version + 1,
      deleted: operation === "DELETE",
      data,
      checksum: data ? checksumSync(data) : null,
      lastModifiedAt: new Date(),
    };
    this.states.set(key, next);
    return next;
  }

  /**
   * Writes the queued rows: one statement per type and operation, creates first in registry
   * order (referenced types come first), then updates, then deletes, whose cascades make the
   * loaded dependents stale. Must run before the transaction ends; `apply` runs it first
   * whenever a change needs the database to reflect earlier ones.
   */
  async flush() {
    await insertConflicts(this.tx, this.recorded.splice(0));
    if (this.pending.size === 0) return;
    const writes = [...this.pending.values()];
    const deleted = [...this.pendingDeletes];
    this.pending.clear();
    this.pendingDeletes.clear();
    for (const operation of ["CREATE", "UPDATE", "DELETE"] as const) {
      for (const type of entityTypes) {
        const rows = writes.filter((w) => w.operation === operation && w.type === type).map((w) => w.write);
        await writeEntities(this.tx, this.user.orgId, type, operation, rows);
      }
    }
    for (const type of deleted) await this.forgetDependents(type);
  }

  /** Cascaded deletes changed entities of types that reference `type`: reload them when needed. */
  private async forgetDependents(type: EntityType) {
    const dependents = dependentsOf(type);
    const stale = [...this.states.values()].filter((s) => dependents.includes(s.type) && s.data);
    const fresh = await loadStates(this.tx, this.user.orgId, stale, false);
    for (const [key, state] of fresh) this.states.set(key, state);
  }

  /**
   * Whether the change must see queued writes in the database first: a second change of the same
   * entity (its base may be a version only the log has), or one of a type a queued delete may
   * cascade to.
   */
  private needsFlush(change: SyncChange) {
    if (this.pending.has(entityKey(change.entityType, change.entityId))) return true;
    // Conservative: a type with references may read (or reference) rows a queued delete cascades to.
    return this.pendingDeletes.size > 0 && Object.keys(getEntity(change.entityType).references).length > 0;
  }

  /** The entity as this batch leaves it, as a pull would send it (live previews for other devices). */
  serverChange(p: Prepared): ServerChange {
    const state = this.state(p.change.entityType, p.change.entityId);
    const operation = state.deleted ? "DELETE" : p.change.operation === "CREATE" ? "CREATE" : "UPDATE";
    return toServerChange(state, operation, state.lastModifiedAt ?? new Date());
  }

  /** Decides the change's outcome; its row write may wait for `flush`. */
  async apply(p: Prepared): Promise<Outcome> {
    const { change } = p;
    if (this.needsFlush(change)) await this.flush();
    if (change.checksum && change.checksum !== p.payloadChecksum) {
      return reject("CHECKSUM_MISMATCH", "The payload does not match its checksum");
    }
    const state = this.state(change.entityType, change.entityId);
    switch (change.operation) {
      case "CREATE":
        return this.create(p, state);
      case "UPDATE":
        return this.update(p, state);
      case "DELETE":
        return this.delete(p, state);
    }
  }

  private async create(p: Prepared, state: EntityState): Promise<Outcome> {
    const data = toEntityData(p.change.entityType, p.change.payload);
    if (state.deleted) return reject("ENTITY_DELETED", "An entity with this id was deleted; ids are not reused");
    if (state.data) {
      // The same entity arriving again (e.g. resent under a new changeId) is already applied.
      if (sameJson(state.data, data)) return { status: "applied", version: state.version, checksum: state.checksum, mergedConflictId: null };
      return this.conflict(p, state, data, null, changedFields(state.data, data));
    }
    const missing = await missingReferences(this.tx, this.user.orgId, p.change.entityType, data, this.states);
    if (missing.length) return reject("REFERENCE_NOT_FOUND", `Referenced entity not found: ${missing.join(", ")}`);
    const next = this.write(p, "CREATE", data, data);
    return { status: "applied", version: next.version, checksum: next.checksum, mergedConflictId: null };
  }

  private async update(p: Prepared, state: EntityState): Promise<Outcome> {
    const { change } = p;
    if (state.version === 0) return reject("ENTITY_NOT_FOUND", "No entity with this id exists");
    if (change.clientVersion > state.version) return reject("VERSION_AHEAD", `The server has version ${state.version}`);
    const base = change.clientVersion === state.version && state.data
      ? state.data
      : await this.baseOf(change);
    const clientData = applyPatch(base ?? state.data ?? {}, change.payload);
    if (!state.data) return this.conflict(p, state, clientData, base, Object.keys(change.payload));
    if (change.clientVersion === state.version) return this.applyUpdate(p, state.data, change.payload);

    const merge = threeWayMerge(base ?? {}, state.data, clientData);
    const policy = this.policyOf(change.entityType);
    if (base && policy.autoMergeDisjoint && merge.conflictingFields.length === 0) {
      const conflict = this.recordConflict(p, state, clientData, base, [], { resolution: "MERGE", resolvedBy: "system" });
      if (sameJson(merge.merged, state.data)) {
        return { status: "applied", version: state.version, checksum: state.checksum, mergedConflictId: conflict.id };
      }
      const next = this.write(p, "UPDATE", merge.merged, merge.merged);
      this.merged.push(toServerChange(next, "UPDATE", new Date()));
      return { status: "applied", version: next.version, checksum: next.checksum, mergedConflictId: conflict.id };
    }
    return this.conflict(p, state, clientData, base, base ? merge.conflictingFields : changedFields(state.data, clientData));
  }

  private async applyUpdate(p: Prepared, current: EntityData, patch: EntityData): Promise<Outcome> {
    const data = applyPatch(current, patch);
    const missing = await missingReferences(this.tx, this.user.orgId, p.change.entityType, patch, this.states);
    if (missing.length) return reject("REFERENCE_NOT_FOUND", `Referenced entity not found: ${missing.join(", ")}`);
    const next = this.write(p, "UPDATE", data, patch);
    return { status: "applied", version: next.version, checksum: next.checksum, mergedConflictId: null };
  }

  private async delete(p: Prepared, state: EntityState): Promise<Outcome> {
    if (state.version === 0) return reject("ENTITY_NOT_FOUND", "No entity with this id exists");
    if (state.deleted) return { status: "applied", version: state.version, checksum: null, mergedConflictId: null };
    if (p.change.clientVersion > state.version) return reject("VERSION_AHEAD", `The server has version ${state.version}`);
    if (p.change.clientVersion < state.version) {
      const base = await this.baseOf(p.change);
      return this.conflict(p, state, null, base, base && state.data ? changedFields(base, state.data) : []);
    }
    const next = this.write(p, "DELETE", null, {});
    return { status: "applied", version: next.version, checksum: null, mergedConflictId: null };
  }

  private policyOf(type: EntityType): ConflictPolicy {
    return this.policies[type] ?? entityRegistry[type].conflictPolicy;
  }

  private async conflict(p: Prepared, state: EntityState, clientData: EntityData | null, base: EntityData | null, fields: string[]): Promise<Outcome> {
    const row = this.recordConflict(p, state, clientData, base, fields, null);
    this.conflicts.push(row);
    return { status: "conflict", conflictId: row.id, serverVersion: state.version };
  }

  /** A conflict record, inserted with the batch's other writes at `flush`. */
  private recordConflict(
    p: Prepared,
    state: EntityState,
    clientData: EntityData | null,
    base: EntityData | null,
    conflictingFields: string[],
    resolved: { resolution: "MERGE"; resolvedBy: string } | null,
  ): SyncConflict {
    const { change } = p;
    const suggestedResolution = suggestResolution({
      serverModifiedAt: state.lastModifiedAt ?? new Date(0),
      clientTimestamp: new Date(change.timestamp),
      conflictingFields,
      mergeable: clientData !== null && state.data !== null && base !== null,
      policy: this.policyOf(change.entityType),
    });
    const now = new Date();
    const row: SyncConflict = {
      id: randomUUID(),
      orgId: this.user.orgId,
      clientId: this.device.id,
      userId: this.user.id,
      changeId: change.changeId ?? null,
      entityType: change.entityType,
      entityId: change.entityId,
      operation: change.operation,
      clientVersion: change.clientVersion,
      serverVersion: state.version,
      // Entity data is JSON by construction (zod-validated payloads, rows rendered as jsonb).
      clientData: clientData as SyncConflict["clientData"],
      serverData: state.data as SyncConflict["serverData"],
      baseData: base as SyncConflict["baseData"],
      conflictingFields,
      suggestedResolution,
      resolution: resolved?.resolution ?? "MANUAL",
      resolvedBy: resolved?.resolvedBy ?? null,
      resolvedAt: resolved ? now : null,
      createdAt: now,
    };
    this.recorded.push(row);
    return row;
  }
}

export const toResult = (p: Prepared, outcome: Outcome, duplicate: boolean): ChangeResult => ({
  index: p.index,
  changeId: p.change.changeId ?? null,
  entityType: p.change.entityType,
  entityId: p.change.entityId,
  duplicate,
  ...outcome,
});

/** The answer to a change whose key this device already used for a different change. */
export const changeIdReused: Outcome = {
  status: "rejected",
  code: "CHANGE_ID_REUSED",
  message: "This changeId was already used for a different change (entity, operation, base version or payload); a new change needs a new changeId",
};

export interface Claims {
  /** Changes to apply now, with their new SyncQueue row: the first delivery of each key. */
  fresh: Map<Prepared, string>;
  /** Stored outcomes of earlier deliveries, by key (a key claimed earlier in this push is not here). */
  earlier: Map<string, Outcome>;
  /** Changes under a key that names a different change: refused, nothing stored. */
  reused: Set<Prepared>;
}

/**
 * Claims each change in SyncQueue (SYNCING when applied now, PENDING when queued). A key already
 * there, or claimed earlier in the same push, is either the same change again (same fingerprint:
 * a duplicate, answered with its stored outcome) or a different change (reused).
 */
export async function claim(tx: Tx, user: AuthUser, device: SyncClient, changes: Prepared[], status: "SYNCING" | "PENDING"): Promise<Claims> {
  // One INSERT … SELECT FROM unnest in arrival order (seq) rather than createManyAndReturn, whose
  // query building dominated a 500-change push. ON CONFLICT DO NOTHING is its skipDuplicates.
  const col = <T>(pick: (p: Prepared) => T) => changes.map(pick);
  const claimed = await tx.$queryRaw<{ id: string; idempotencyKey: string; fingerprint: string }[]>`
    INSERT INTO "SyncQueue" ("id", "orgId", "clientId", "changeId", "idempotencyKey", "fingerprint", "entityType", "entityId", "operation",
                             "payload", "clientVersion", "checksum", "clientTimestamp", "status", "attempts")
    SELECT gen_random_uuid()::text, ${user.orgId}, ${device.id}, v."changeId", v."key", v."fingerprint", v."type", v."entityId", v."operation"::"SyncOperation",
           v."payload", v."clientVersion", v."checksum", v."timestamp", ${status}::"SyncStatus", ${status === "SYNCING" ? 1 : 0}
    FROM unnest(${col((p) => p.change.changeId ?? null)}::text[], ${col((p) => p.key)}::text[], ${col((p) => p.fingerprint)}::text[],
                ${col((p) => p.change.entityType)}::text[], ${col((p) => p.change.entityId)}::text[], ${col((p) => p.change.operation)}::text[],
                ${col((p) => JSON.stringify(p.change.payload))}::jsonb[], ${col((p) => p.change.clientVersion)}::int[],
                ${col((p) => p.change.checksum ?? null)}::text[], ${col((p) => new Date(p.change.timestamp).toISOString())}::timestamp(3)[])
      WITH ORDINALITY AS v("changeId", "key", "fingerprint", "type", "entityId", "operation", "payload", "clientVersion", "checksum", "timestamp", "ord")
    ORDER BY v."ord"
    ON CONFLICT DO NOTHING
    RETURNING "id", "idempotencyKey", "fingerprint"`;
  const claimedRows = new Map(claimed.map((row) => [row.idempotencyKey, row]));
  const earlierKeys = changes.map((p) => p.key).filter((key) => !claimedRows.has(key));
  const earlier = earlierKeys.length
    ? await tx.syncQueue.findMany({
        where: { clientId: device.id, idempotencyKey: { in: earlierKeys } },
        select: { id: true, idempotencyKey: true, fingerprint: true, result: true },
      })
    : [];
  // A row without a result is still waiting for the worker.
  const outcomeOf = (row: (typeof earlier)[number]): Outcome => (row.result as Outcome | null) ?? { status: "queued", queueItemId: row.id };
  const owners = new Map([...claimed, ...earlier].map((row) => [row.idempotencyKey, row.fingerprint]));
  const fresh = new Map<Prepared, string>();
  const reused = new Set<Prepared>();
  const freshKeys = new Set<string>();
  for (const p of changes) {
    const row = claimedRows.get(p.key);
    if (owners.get(p.key) !== p.fingerprint) reused.add(p);
    // The same change twice in one push is applied once, at its first occurrence.
    else if (row && !freshKeys.has(p.key)) {
      fresh.set(p, row.id);
      freshKeys.add(p.key);
    }
  }
  return { fresh, earlier: new Map(earlier.map((row) => [row.idempotencyKey, outcomeOf(row)])), reused };
}

export async function recordOutcomes(tx: Tx, rows: { id: string; outcome: Outcome }[]) {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    UPDATE "SyncQueue" q
    SET "status" = v.status::"SyncStatus", "result" = v.result::jsonb, "errorCode" = v.code, "errorMessage" = v.message,
        "processedAt" = now() AT TIME ZONE 'UTC'
    FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => queueStatus[r.outcome.status])}::text[],
                ${rows.map((r) => JSON.stringify(r.outcome))}::text[],
                ${rows.map((r) => (r.outcome.status === "rejected" ? r.outcome.code : null))}::text[],
                ${rows.map((r) => (r.outcome.status === "rejected" ? r.outcome.message : null))}::text[])
      AS v(id, status, result, code, message)
    WHERE q."id" = v.id`;
}

