import { schemaVersion, unversionedSchemaVersion, upgradeEntityPayload } from "@fieldsync/schema";
import { type LocalDb, schemaVersionKey } from "./local-db.ts";
import { dropServerCopies, reprojectOutbox } from "./server-answers.ts";

// The entity schema version a store's data is in, and its upgrade when a newer app build opens it
// (the PWA updated itself, e.g. after SCHEMA_VERSION_TOO_OLD). Distinct from the Dexie version
// (localSchemaVersion): that is the store's layout, this the shape of the payloads inside it. A
// new store is stamped with its build's version when created (LocalDb).

/**
 * Brings the store to this build's schema version, in one transaction: every queued change is
 * upgraded in place with the entities' declared steps (the same the server runs), and the server
 * copies, conflicts and sync token are dropped, so the next sync restarts from a snapshot in the
 * new shape (as a server reset does); the outbox is kept, never failed or dropped. True when it
 * upgraded; a no-op once current. A change sent under the old version without an answer is sent
 * again in the new shape under the same changeId: the server stored it upgraded the same way.
 */
export function upgradeLocalData(db: LocalDb): Promise<boolean> {
  return db.transaction("rw", [db.entities, db.outbox, db.conflicts, db.meta], async () => {
    const from = ((await db.meta.get(schemaVersionKey))?.value as number | undefined) ?? unversionedSchemaVersion;
    if (from >= schemaVersion) return false;
    await db.outbox.toCollection().modify((entry) => {
      entry.payload = upgradeEntityPayload(entry.entityType, entry.operation, entry.payload, from);
    });
    await dropServerCopies(db);
    await reprojectOutbox(db);
    await db.meta.delete("syncToken");
    await db.meta.put({ key: schemaVersionKey, value: schemaVersion });
    return true;
  });
}
