import type { BrowserContext, Page } from "playwright-core";

declare global {
  interface Window {
    releaseLocalStores?: () => void;
    releaseSync?: () => void;
  }
}

/** A tab of the same origin that is not the app (the service worker serves the app for other paths). */
async function sameOriginTab(context: BrowserContext): Promise<Page> {
  const tab = await context.newPage();
  await tab.goto("/healthz");
  return tab;
}

/**
 * Makes this device's local saves wait, as on a busy phone where another tab or the service
 * worker is writing: a second tab of the same origin holds a write transaction on every
 * IndexedDB database of the origin (whatever the app names them) until `release()`. Saves and
 * reads of the app queue behind it and run, in order, once it is released.
 */
export async function holdLocalStores(context: BrowserContext): Promise<{ release: () => Promise<void> }> {
  const tab = await sameOriginTab(context);
  await tab.evaluate(async () => {
    const names = (await indexedDB.databases()).flatMap((info) => (info.name ? [info.name] : []));
    const held = names.map(
      (name) =>
        new Promise<() => void>((resolve, reject) => {
          const opening = indexedDB.open(name);
          opening.onerror = () => reject(opening.error);
          opening.onsuccess = () => {
            const db = opening.result;
            const stores = [...db.objectStoreNames];
            const tx = db.transaction(stores, "readwrite");
            tx.oncomplete = () => db.close();
            const store = tx.objectStore(stores[0]!);
            let released = false;
            // A transaction commits once no request is pending: keep one pending until released.
            const keepBusy = () => {
              if (!released) store.count().onsuccess = keepBusy;
            };
            store.count().onsuccess = () => {
              keepBusy();
              resolve(() => (released = true));
            };
          };
        }),
    );
    const releases = await Promise.all(held);
    if (releases.length === 0) throw new Error("no IndexedDB database to hold: log in first");
    window.releaseLocalStores = () => releases.forEach((release) => release());
  });
  return {
    release: async () => {
      await tab.evaluate(() => window.releaseLocalStores!());
      await tab.close();
    },
  };
}

/**
 * Keeps this device from syncing, as while another tab or the service worker syncs: a second tab
 * holds the Web Lock every sync of the origin takes (sync-client names it after the database,
 * `fieldsync-sync:<database>`) until `release()`. Whatever the device shows meanwhile did not
 * come through a sync of its own.
 */
export async function holdSync(context: BrowserContext): Promise<{ release: () => Promise<void> }> {
  const tab = await sameOriginTab(context);
  await tab.evaluate(async () => {
    const names = (await indexedDB.databases()).flatMap((info) => (info.name ? [info.name] : []));
    if (names.length === 0) throw new Error("no IndexedDB database: log in first");
    const held = new Promise<void>((resolve) => (window.releaseSync = resolve));
    await Promise.all(
      names.map((name) => new Promise<void>((acquired) => void navigator.locks.request(`fieldsync-sync:${name}`, () => (acquired(), held)))),
    );
  });
  return {
    release: async () => {
      await tab.evaluate(() => window.releaseSync!());
      await tab.close();
    },
  };
}
