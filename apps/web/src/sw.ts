import "./zod-jitless.ts";
import { Accounts, isRetryable, syncWithinEvent } from "@fieldsync/sync-client";
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

// The app shell: every built file, precached at install, served cache-first; old precaches go.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Any navigation gets index.html, so a reload or a deep link works offline. API calls never do.
registerRoute(new NavigationRoute(createHandlerBoundToURL("index.html"), { denylist: [/^\/api\//, /^\/trpc\//, /^\/healthz/] }));

// With a prompt-style update the plugin sets neither of these: take control of the page on first
// install (no reload needed to work offline), and activate an update only when the user agrees.
clientsClaim();
self.addEventListener("message", (event) => {
  if ((event.data as { type?: string } | null)?.type === "SKIP_WAITING") void self.skipWaiting();
});

const accounts = new Accounts({ baseUrl: self.location.origin });

/**
 * The spec's processSyncEvent: push the outbox of the active user's store (the one the page shows:
 * another user's store has no session and waits for its owner) with the same engine the page uses
 * (same database, same Web Lock, so it never runs alongside a tab's sync). A failure a retry may
 * fix is tried again within the event (syncWithinEvent: Chromium's own retry of a failed sync event
 * comes minutes later); a rejected promise then tells the browser to retry later with its own
 * backoff; problems a retry cannot fix (logged out, device revoked) resolve, so the browser stops
 * retrying.
 */
async function processSyncEvent(event: SyncEvent): Promise<void> {
  const account = await accounts.active();
  if (!account) return;
  const engine = accounts.open(account);
  try {
    await syncWithinEvent(engine);
  } catch (error) {
    if (isRetryable(error) && !event.lastChance) throw error;
  } finally {
    engine.store.db.close();
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === "sync-all") event.waitUntil(processSyncEvent(event));
});
