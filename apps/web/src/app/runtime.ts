import { Accounts, SyncScheduler } from "@fieldsync/sync-client";
import { thisDeviceModel } from "./device-model.ts";

// One store per user on this browser (a shared phone keeps each technician's work apart). The
// page shows the active user's store, as the service worker (src/sw.ts) does; signing in as
// someone else makes theirs active and reloads the page (login-screen.tsx).
export const accounts = new Accounts({ baseUrl: location.origin, deviceName: await thisDeviceModel() });
/** Whose store this page shows; null before anyone signed in on this browser. */
export const account = (await accounts.active()) ?? null;
// Before the first sign-in the app shows only the login screen, which never opens this store.
export const engine = accounts.open(account ?? { dbName: "fieldsync-signed-out" });
export const store = engine.store;
export const scheduler = new SyncScheduler(engine, { intervalMs: 30_000, isOnline: () => navigator.onLine });

export const backgroundSyncTag = "sync-all";

/** True when this browser can wake the service worker to sync after the tab is gone (Chromium). */
export async function hasBackgroundSync(): Promise<boolean> {
  const registration = await navigator.serviceWorker?.getRegistration();
  return Boolean(registration && "sync" in registration);
}

/**
 * After a local edit, writes are network-first: try to sync now; and where Background Sync
 * exists, also ask the service worker to push the outbox when connectivity returns, even if this
 * tab is closed by then.
 */
export async function syncSoon(): Promise<void> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    const sync = (registration as { sync?: { register(tag: string): Promise<void> } } | undefined)?.sync;
    await sync?.register(backgroundSyncTag);
  } catch {
    // Background Sync can be refused (permissions, private mode): the page's own triggers remain.
  }
  void scheduler.request();
}

let started = false;

/** Sync triggers for every browser: start, an interval, coming online, focus, becoming visible. */
export function startSyncTriggers(): void {
  if (started) return;
  started = true;
  scheduler.start();
  window.addEventListener("online", () => void scheduler.request());
  window.addEventListener("focus", () => void scheduler.request());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void scheduler.request();
  });
}

/** Asks the browser not to evict our IndexedDB under storage pressure (unsynced work lives there). */
export async function requestPersistentStorage(): Promise<boolean> {
  if (!navigator.storage?.persist) return false;
  return (await navigator.storage.persisted()) || navigator.storage.persist();
}
