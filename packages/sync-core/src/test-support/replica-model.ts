// In-memory stand-ins for the property tests: a replica built only from the pure replica functions
// (what sync-client's Dexie store does, without IndexedDB) and a server that accepts every change
// on a live entity (the conflict decision is not the replica's; it has its own tests).
import type { ChangeResult, EntityData, EntityType, ServerChange, SyncOperation } from "@fieldsync/schema";
import fc from "fast-check";
import { type OutboxEntry, type ReplicaRow, buildRow, noServerCopy } from "../replica.ts";
import { entityKey } from "../entity-key.ts";
import { queueEdit } from "../replica-collapse.ts";
import { batchClaimer } from "../replica-outbox.ts";
import { project } from "../replica-project.ts";
import { newerChanges, serverCopyOf } from "../replica-pull.ts";
import { acknowledged, answeredEntries, effectOfResult, rebase } from "../replica-push.ts";

export const fields = ["name", "location", "notes"] as const;
export const value = fc.constantFrom("a", "b", "c", null);
/** An UPDATE payload of an asset: one to three fields. */
export const patch = fc.dictionary(fc.constantFrom(...fields), value, { minKeys: 1 });
/** A CREATE payload of an asset (name is required). */
export const createPayload = patch.map((p): EntityData => ({ ...p, name: "created" }));

const now = "2026-11-30T12:00:00.000Z";
let ids = 0;
export const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`;

export interface PushAnswer {
  results: ChangeResult[];
  changes: ServerChange[];
  cursor: number;
}

export class MemoryServer {
  readonly rows = new Map<string, { type: EntityType; id: string; data: EntityData | null; version: number }>();
  readonly log: { change: ServerChange; changeId: string | null }[] = [];
  private readonly outcomes = new Map<string, ChangeResult>();

  write(type: EntityType, id: string, operation: SyncOperation, payload: EntityData, changeId: string | null = null): ChangeResult {
    const base = { index: 0, changeId, entityType: type, entityId: id, duplicate: false };
    const row = this.rows.get(entityKey(type, id));
    if (operation === "CREATE" ? row !== undefined : row?.data == null) {
      return { ...base, status: "rejected", code: "ENTITY_DELETED", message: "not live" };
    }
    const data = project(type, row?.data ?? null, [{ operation, payload }]);
    const version = (row?.version ?? 0) + 1;
    this.rows.set(entityKey(type, id), { type, id, data, version });
    const change: ServerChange = { entityType: type, entityId: id, operation, payload: data ?? {}, clientVersion: version, timestamp: now, checksum: null };
    this.log.push({ change, changeId });
    return { ...base, status: "applied", version, checksum: null, mergedConflictId: null };
  }

  /** A push: each change once per changeId (a repeat replays its outcome), then what others wrote since `cursor`. */
  push(batch: readonly OutboxEntry[], cursor: number): PushAnswer {
    const own = new Set(batch.map((entry) => entry.changeId));
    const results = batch.map((entry, index) => {
      const stored = this.outcomes.get(entry.changeId);
      const result = stored
        ? { ...stored, duplicate: true }
        : this.write(entry.entityType, entry.entityId, entry.operation, entry.payload, entry.changeId);
      this.outcomes.set(entry.changeId, result);
      return { ...result, index };
    });
    const changes = this.log.slice(cursor).filter((item) => item.changeId === null || !own.has(item.changeId)).map((item) => item.change);
    return { results, changes, cursor: this.log.length };
  }

  changesSince(cursor: number): ServerChange[] {
    return this.log.slice(cursor).map((item) => item.change);
  }
}

export class MemoryReplica {
  readonly rows = new Map<string, ReplicaRow>();
  outbox: OutboxEntry[] = [];
  cursor = 0;
  private seq = 0;

  queueOf(type: EntityType, id: string): OutboxEntry[] {
    return this.outbox.filter((entry) => entry.entityType === type && entry.entityId === id);
  }

  private put(entry: OutboxEntry) {
    const at = this.outbox.findIndex((e) => e.seq === entry.seq);
    if (at >= 0) this.outbox[at] = entry;
    else this.outbox.push({ ...entry, seq: ++this.seq });
  }

  private remove(seq: number) {
    this.outbox = this.outbox.filter((entry) => entry.seq !== seq);
  }

  private refresh(type: EntityType, id: string, server = this.rows.get(entityKey(type, id)) ?? noServerCopy) {
    const row = buildRow(type, id, server, this.queueOf(type, id), now);
    if (row) this.rows.set(entityKey(type, id), row);
    else this.rows.delete(entityKey(type, id));
  }

  /** A user's edit; false when it does not fit the entity's state (queueEdit refused it). */
  edit(type: EntityType, id: string, operation: SyncOperation, payload: EntityData): boolean {
    let queued;
    try {
      queued = queueEdit(this.rows.get(entityKey(type, id)), this.queueOf(type, id), { type, id, operation, payload, timestamp: now, changeId: newId() });
    } catch {
      return false;
    }
    if (queued.write.kind === "delete") this.remove(queued.write.seq);
    else this.put(queued.write.entry);
    this.refresh(type, id);
    return true;
  }

  applyChanges(changes: readonly ServerChange[]): number {
    const stored = new Map([...this.rows].map(([key, row]) => [key, row.version]));
    const { fresh, applied } = newerChanges(changes, stored);
    for (const change of fresh) this.refresh(change.entityType, change.entityId, serverCopyOf(change));
    return applied;
  }

  claim(limit: number): OutboxEntry[] {
    const claimer = batchClaimer(limit, new Set());
    for (const entry of this.outbox) {
      if (claimer.full()) break;
      claimer.offer(entry);
    }
    for (const entry of claimer.batch) this.put(entry);
    return claimer.batch;
  }

  applyPush(batch: readonly OutboxEntry[], answer: PushAnswer) {
    this.applyChanges(answer.changes);
    for (const { sent, result } of answeredEntries(batch, answer.results)) {
      const entry = this.outbox.find((e) => e.seq === sent.seq);
      if (!entry) continue;
      const effect = effectOfResult(entry, result);
      if (effect.kind === "mark") this.put(effect.entry);
      if (effect.kind !== "acknowledge") continue;
      this.remove(entry.seq!);
      const server = acknowledged(entry.entityType, this.rows.get(entityKey(entry.entityType, entry.entityId)), entry, effect.version);
      for (const later of rebase(this.queueOf(entry.entityType, entry.entityId), effect.version)) this.put(later);
      this.refresh(entry.entityType, entry.entityId, server ?? noServerCopy);
    }
    this.cursor = answer.cursor;
  }

  /** The user gives up every failed change (the sync panel's Discard). */
  discardFailed() {
    const failed = this.outbox.filter((entry) => entry.status === "failed");
    this.outbox = this.outbox.filter((entry) => entry.status !== "failed");
    for (const entry of failed) this.refresh(entry.entityType, entry.entityId);
  }
}
