import { hash } from "node:crypto";
import type { ConflictPolicy, EntityType, RejectionCode, SyncChange, SyncStatus } from "@fieldsync/schema";
import { type BatchDecision, type Decided, type PushedChange, decideBatch, entityKey, getReferences, getUserReferences, newId } from "@fieldsync/sync-core";
import { checksumSync } from "./checksum.ts";
import { insertConflicts } from "./conflict-record.ts";
import { dataAtVersions, loadStates, writeEntities } from "./entities.ts";
import type { Sql } from "./sql.ts";
import { activeUserIds } from "./users.ts";

// Applying pushed changes, shared by the inline push and the background worker, one way through:
// load and lock what the batch touches (a fixed number of set-based queries), decide the whole
// batch in memory (sync-core's decideBatch), write what it implies (one statement per round, type
// and operation). Per-change problems are outcomes (applied | conflict | rejected), recorded in
// SyncQueue so that any redelivery of the same change returns the same outcome.

export interface Prepared extends PushedChange {
  index: number;
  key: string;
  /** What makes the change itself: a key replayed with another fingerprint is another change. */
  fingerprint: string;
  payloadChecksum: string;
}

/**
 * The change's fingerprint: a hash of its entity, operation, base version and payload (not its
 * timestamp, which a client may renew when it resends), given its payload's checksum.
 */
export const fingerprintOf = (change: SyncChange, payloadChecksum: string) =>
  hash("sha256", [change.entityType, change.entityId, change.operation, change.clientVersion, payloadChecksum].join("|"), "hex");

/**
 * The change with its fingerprint. Its idempotency key is its changeId, or for clients that send
 * none, the fingerprint itself.
 */
export function prepare(change: SyncChange, index: number): Prepared {
  const payloadChecksum = checksumSync(change.payload);
  const fingerprint = fingerprintOf(change, payloadChecksum);
  const key = change.changeId ? `c:${change.changeId}` : `h:${fingerprint}`;
  return { index, change, key, fingerprint, payloadChecksum };
}

export type Outcome = Decided | { status: "queued"; queueItemId: string };

export const queueStatus: Record<Outcome["status"], SyncStatus> = {
  applied: "COMPLETED",
  queued: "PENDING",
  conflict: "CONFLICT",
  rejected: "FAILED",
};

export const rejected = (code: RejectionCode, message: string): Outcome => ({ status: "rejected", code, message });

/** Who writes: the organization, the user (the author of the writes) and their device (SyncClient id). */
export interface Writer {
  orgId: string;
  userId: string;
  clientId: string;
}

/**
 * Starts a device's apply in the current transaction: takes the device's advisory lock (pushes
 * and worker jobs of one device run one after another, so a change's claim is looked up and
 * written under it: exactly once even for concurrent identical pushes) and names the writer for
 * the tracking triggers. One round trip.
 */
export async function lockDevice(sql: Sql, writer: Writer): Promise<void> {
  await sql.query(
    `SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended($1, 0)), set_config('fieldsync.actor', $2, true) AS actor, set_config('fieldsync.origin_client', $1, true) AS origin`,
    [writer.clientId, writer.userId],
  );
}

/**
 * Applies `changes` in order (call lockDevice first): loads and locks the entities they touch,
 * the entities their payloads reference, the users they name and the base versions of stale
 * ones, decides them all, then writes the rows, version bumps (triggers) and conflict records they imply.
 */
export async function applyChanges(
  sql: Sql,
  writer: Writer,
  changes: readonly PushedChange[],
  policies: Partial<Record<EntityType, ConflictPolicy>>,
): Promise<BatchDecision> {
  const states = await loadStates(sql, writer.orgId, changes.map(({ change }) => ({ type: change.entityType, id: change.entityId })), true);
  const referenced = changes.flatMap(({ change }) => getReferences(change.entityType, change.payload)).filter((ref) => !states.has(entityKey(ref.type, ref.id)));
  for (const [key, state] of await loadStates(sql, writer.orgId, referenced, false)) states.set(key, state);
  const stale = changes.map(({ change }) => change).filter((c) => c.clientVersion > 0 && c.clientVersion < states.get(entityKey(c.entityType, c.entityId))!.version);
  const bases = await dataAtVersions(sql, writer.orgId, stale.map((c) => ({ type: c.entityType, id: c.entityId, version: c.clientVersion })));
  const users = await activeUserIds(sql, writer.orgId, changes.flatMap(({ change }) => getUserReferences(change.entityType, change.payload).map((ref) => ref.id)));
  const decided = decideBatch({ changes, states, bases, users, policies, now: new Date(), newId, checksum: checksumSync });
  await flush(sql, writer, decided);
  return decided;
}

/** Writes a decided batch: each run of writes of one round, operation and type as one statement. */
async function flush(sql: Sql, writer: Writer, decided: BatchDecision) {
  const { writes } = decided;
  for (let start = 0; start < writes.length; ) {
    const { round, operation, type } = writes[start]!;
    let end = start;
    while (end < writes.length && writes[end]!.round === round && writes[end]!.operation === operation && writes[end]!.type === type) end++;
    await writeEntities(sql, writer.orgId, writer.userId, type, operation, writes.slice(start, end));
    start = end;
  }
  await insertConflicts(sql, writer, decided.records);
}
