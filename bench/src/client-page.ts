// Runs inside headless Chromium (bundled by esbuild): the sync client's own apply path against
// raw IndexedDB puts and a Dexie bulkPut of the same rows.
import { LocalDb, LocalStore } from "@fieldsync/sync-client";
import type { ServerChange } from "@fieldsync/schema";
import { buildRow, serverCopyOf } from "@fieldsync/sync-core";

const rowOf = (c: ServerChange) => ({
  type: c.entityType,
  id: c.entityId,
  data: c.payload,
  serverData: c.payload,
  version: c.clientVersion,
  pending: 0,
  deleted: 0,
  parents: [] as string[],
  updatedAt: new Date().toISOString(),
});

const done = (tx: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });

async function timed(fn: () => Promise<void>) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const bench = {
  /** LocalStore.applyServerPage, one call (one transaction) per delta page, as the sync engine does. */
  async store(name: string, pages: ServerChange[][]) {
    const db = new LocalDb(name);
    const store = new LocalStore(db);
    await db.open();
    const ms = await timed(async () => {
      for (const [i, page] of pages.entries()) await store.applyServerPage({ changes: page, syncToken: `token-${i}` });
    });
    await db.delete();
    return ms;
  },
  /** Raw IndexedDB: one readwrite transaction per page, a put per row. */
  async raw(name: string, pages: ServerChange[][]) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore("entities", { keyPath: ["type", "id"] });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const ms = await timed(async () => {
      for (const page of pages) {
        const tx = db.transaction("entities", "readwrite");
        const store = tx.objectStore("entities");
        for (const change of page) store.put(rowOf(change));
        await done(tx);
      }
    });
    db.close();
    await new Promise((resolve) => (indexedDB.deleteDatabase(name).onsuccess = resolve));
    return ms;
  },
  /**
   * Dexie bulkPut of the rows the store ends up holding (built before the clock starts), into the
   * same store (LocalDb: same indexes), with the page's cursor, one transaction per page: the
   * same durable work as `store` without deciding anything.
   */
  async dexie(name: string, pages: ServerChange[][]) {
    const db = new LocalDb(name);
    await db.open();
    const updatedAt = new Date().toISOString();
    const rows = pages.map((page) => page.map((c) => buildRow(c.entityType, c.entityId, serverCopyOf(c), [], updatedAt)!));
    const ms = await timed(async () => {
      for (const [i, page] of rows.entries()) {
        await db.transaction("rw", [db.entities, db.meta], async () => {
          await db.entities.bulkPut(page);
          await db.meta.bulkPut([{ key: "syncToken", value: `token-${i}` }, { key: "syncPosition", value: null }]);
        });
      }
    });
    await db.delete();
    return ms;
  },
};

(globalThis as unknown as { bench: typeof bench }).bench = bench;
