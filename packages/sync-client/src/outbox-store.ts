import { type EntityData, type EntityType, type SyncOperation, getEntity } from "@fieldsync/schema";
import { type OutboxEntry, batchClaimer, effectivePatch, newId, noServerCopy, queueEdit, retried } from "@fieldsync/sync-core";
import type { LocalDb } from "./local-db.ts";
import { queueOf, refresh, writeRow } from "./replica-rows.ts";

/** An edit the entity schema refuses; `issues` carry field paths for the form. */
export class LocalValidationError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((issue) => `${issue.path || "(entity)"}: ${issue.message}`).join("; "));
    this.name = "LocalValidationError";
  }
}

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }) {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** Entity schema's output without absent keys: trimmed text, validated enums. */
function normalize(type: EntityType, operation: "CREATE" | "UPDATE", input: Record<string, unknown>): EntityData {
  const schema = getEntity(type).schema;
  const result = (operation === "CREATE" ? schema : schema.partial()).safeParse(input);
  if (!result.success) throw new LocalValidationError(issuesOf(result.error));
  return Object.fromEntries(Object.entries(result.data).filter(([, value]) => value !== undefined));
}

/**
 * Queues a local edit (optimistic: visible at once) in one transaction: folded into the entity's
 * unsent change where queueEdit allows, and the entity's row recomputed. Throws when the edit
 * does not fit the entity (queueEdit).
 */
function enqueue(db: LocalDb, type: EntityType, id: string, operation: SyncOperation, payload: EntityData): Promise<void> {
  return db.transaction("rw", [db.entities, db.outbox], async () => {
    const row = await db.entities.get([type, id]);
    const edit = { type, id, operation, payload, timestamp: new Date().toISOString(), changeId: newId() };
    const { write, queue } = queueEdit(row, await queueOf(db, type, id), edit);
    if (write.kind === "delete") await db.outbox.delete(write.seq);
    else if (write.kind === "put") await db.outbox.put(write.entry);
    else await db.outbox.add(write.entry);
    await writeRow(db, type, id, row ?? noServerCopy, queue);
  });
}

/** Creates an entity with a client-generated id. Throws LocalValidationError. */
export async function create(db: LocalDb, type: EntityType, input: Record<string, unknown>): Promise<string> {
  const payload = normalize(type, "CREATE", input);
  const id = newId();
  await enqueue(db, type, id, "CREATE", payload);
  return id;
}

/** Changes some fields (null clears one). Returns false when nothing actually changed. */
export async function update(db: LocalDb, type: EntityType, id: string, patch: Record<string, unknown>): Promise<boolean> {
  const normalized = normalize(type, "UPDATE", patch);
  return db.transaction("rw", [db.entities, db.outbox], async () => {
    const current = (await db.entities.get([type, id]))?.data;
    if (!current) throw new Error(`${type} ${id} does not exist here`);
    const changed = effectivePatch(current, normalized);
    if (Object.keys(changed).length === 0) return false;
    await enqueue(db, type, id, "UPDATE", changed);
    return true;
  });
}

export const remove = (db: LocalDb, type: EntityType, id: string) => enqueue(db, type, id, "DELETE", {});

/**
 * Picks the next changes to push (batchClaimer) and marks them sent, in one transaction so no
 * edit can be folded into a change that is on its way. `skip` holds back changes already sent in
 * this cycle (e.g. queued by the server for background work).
 */
export function claimBatch(db: LocalDb, limit: number, skip: ReadonlySet<number> = new Set()): Promise<OutboxEntry[]> {
  return db.transaction("rw", db.outbox, async () => {
    const claimer = batchClaimer(limit, skip);
    await db.outbox.orderBy("seq").until(claimer.full).each(claimer.offer);
    await db.outbox.bulkPut(claimer.batch);
    return claimer.batch;
  });
}

/** Marks changes that can never be accepted as failed (with why), so the rest can go. */
export async function failEntries(db: LocalDb, failed: readonly { entry: OutboxEntry; error: { code: string; message: string } }[]): Promise<void> {
  await db.transaction("rw", db.outbox, async () => {
    for (const { entry, error } of failed) {
      const current = await db.outbox.get(entry.seq!);
      if (current) await db.outbox.put({ ...current, status: "failed", error });
    }
  });
}

/** Conflicts this device's queued changes wait on. */
export async function awaitedConflictIds(db: LocalDb): Promise<string[]> {
  const waiting = await db.outbox.where("status").equals("conflict").toArray();
  return [...new Set(waiting.flatMap((entry) => (entry.conflictId ? [entry.conflictId] : [])))];
}

/** Sends a failed change again (see retried); anything else is left as it is. */
export async function retry(db: LocalDb, seq: number): Promise<void> {
  await db.transaction("rw", [db.entities, db.outbox], async () => {
    const entry = await db.outbox.get(seq);
    if (!entry) return;
    const row = await db.entities.get([entry.entityType, entry.entityId]);
    const next = retried(entry, row?.version ?? 0, newId());
    if (next) await db.outbox.put(next);
  });
}

/** Gives up a failed change: the entity shows the server's copy again. */
export async function discard(db: LocalDb, seq: number): Promise<void> {
  await db.transaction("rw", [db.entities, db.outbox], async () => {
    const entry = await db.outbox.get(seq);
    if (!entry || entry.status !== "failed") return;
    await db.outbox.delete(seq);
    await refresh(db, entry.entityType, entry.entityId);
  });
}
