// Runs inside headless Chromium (bundled by esbuild): the sync client's own apply path against
// raw IndexedDB and Dexie bulk puts of the same rows.
import { LocalDb, LocalStore } from "@fieldsync/sync-client";
import type { ServerChange } from "@fieldsync/schema";
import Dexie from "dexie";

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
  /** Dexie bulkPut per page. */
  async dexie(name: string, pages: ServerChange[][]) {
    const db = new Dexie(name);
    db.version(1).stores({ entities: "[type+id]" });
    await db.open();
    const ms = await timed(async () => {
      for (const page of pages) await db.table("entities").bulkPut(page.map(rowOf));
    });
    await db.delete();
    return ms;
  },
};

(globalThis as unknown as { bench: typeof bench }).bench = bench;
