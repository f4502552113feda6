import type { EntityRef, ServerChange } from "@fieldsync/schema";
import { type DigestEntry, buildRow, checksum, entityKey, idHash, serverCopyOf } from "@fieldsync/sync-core";
import type { LocalDb, LocalEntity } from "./local-db.ts";
import { type Key, queuesOf } from "./replica-rows.ts";
import { getMeta, setMeta } from "./session-state.ts";

// The local half of replica verification (verify.ts): what the replica holds, the repair's
// writes, and the record of the last verification shown on the Sync screen.

/** The outcome of the last verification (meta "verification"). */
export interface Verification {
  /** When it ended. */
  at: string;
  /** Top-level buckets compared (256 per entity type the device keeps). */
  bucketsChecked: number;
  /** Of those, how many differed from the server's. */
  mismatches: number;
  /** Entities re-downloaded or dropped because they differed. */
  repaired: number;
  /** Differing entities left alone because changes of theirs wait in the outbox. */
  keptPending: number;
  /** Why it stopped, when it did (offline, a server error). */
  error: { code: string; message: string } | null;
}

export const lastVerification = (db: LocalDb) => getMeta<Verification>(db, "verification");
export const recordVerification = (db: LocalDb, verification: Verification) => setMeta(db, "verification", verification);

/** A row as a verification read it: a repair writes only rows that have not moved since. */
type Seen = Pick<LocalEntity, "version" | "updatedAt">;

export interface ReplicaState {
  /** The server copies held (live, version above 0), hashed as the server hashes them. */
  entries: DigestEntry[];
  seen: Map<string, Seen>;
}

/** Rows read, and server copies hashed, between two pauses. */
const step = 200;

/**
 * Hands the event loop back. A verification runs every 15 minutes in the page (and in the
 * service worker): reading and hashing 10,000 rows at once held the page's main thread for
 * seconds on a phone; in steps, the page paints and answers input in between.
 */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Reads the replica and hashes each server copy's id and data (sync-core `checksum`), `step`
 * rows at a time with a `pause` after each (rows are read by primary key, a page per request).
 */
export async function readReplica(db: LocalDb, pause: () => Promise<void> = nextTask): Promise<ReplicaState> {
  const seen = new Map<string, Seen>();
  const entries: DigestEntry[] = [];
  for (let after: Key | null = null; ; ) {
    const page: LocalEntity[] = await (after ? db.entities.where(":id").above(after) : db.entities.toCollection()).limit(step).toArray();
    for (const row of page) seen.set(entityKey(row.type, row.id), { version: row.version, updatedAt: row.updatedAt });
    const live = page.filter((row) => row.version > 0 && row.serverData !== null);
    entries.push(
      ...(await Promise.all(
        live.map(async (row) => ({ type: row.type, id: row.id, hash: await idHash(row.id), version: row.version, checksum: await checksum(row.serverData) })),
      )),
    );
    const last = page.at(-1);
    if (!last || page.length < step) return { entries, seen };
    after = [last.type, last.id];
    await pause();
  }
}

const unchanged = (row: LocalEntity | undefined, seen: Seen | undefined) =>
  row === undefined ? seen === undefined : seen !== undefined && row.version === seen.version && row.updatedAt === seen.updatedAt;

/**
 * Stores the server's copies of differing entities (`changes`, whatever the version held) and
 * forgets the ones the server does not have (`drop`), in one transaction. An entity with queued
 * changes is never touched (`keptPending`); one a pull changed since `seen` is left to the next
 * verification.
 */
export function repairRows(db: LocalDb, changes: readonly ServerChange[], drop: readonly EntityRef[], seen: ReadonlyMap<string, Seen>) {
  return db.transaction("rw", [db.entities, db.outbox], async () => {
    const targets = [
      ...changes.map((change) => ({ ref: { entityType: change.entityType, entityId: change.entityId }, change })),
      ...drop.map((ref) => ({ ref, change: null })),
    ];
    const keys = targets.map(({ ref }): Key => [ref.entityType, ref.entityId]);
    const rows = await db.entities.bulkGet(keys);
    const queues = await queuesOf(db, keys);
    const updatedAt = new Date().toISOString();
    let repaired = 0;
    let keptPending = 0;
    for (const [i, { ref, change }] of targets.entries()) {
      const key = entityKey(ref.entityType, ref.entityId);
      if (queues.has(key)) keptPending++;
      else if (unchanged(rows[i], seen.get(key))) {
        if (change) await db.entities.put(buildRow(change.entityType, change.entityId, serverCopyOf(change), [], updatedAt)!);
        else await db.entities.delete([ref.entityType, ref.entityId]);
        repaired++;
      }
    }
    return { repaired, keptPending };
  });
}
