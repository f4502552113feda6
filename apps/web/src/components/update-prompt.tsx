import { useEffect } from "react";
import { useRegisterSW } from "virtual:pwa-register/react";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";

/**
 * Registers the service worker and offers a reload when a new version is waiting. The new worker
 * only takes over when the technician agrees, so a form being filled in is never reloaded away,
 * except when the server refused this build's schema version as too old (sync phase
 * `updateNeeded`): nothing can sync until the new build runs, so the app looks for it at once and
 * reloads into it (skipWaiting). The outbox is in IndexedDB and is pushed by the new build.
 */
export function UpdatePrompt() {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW: (_url, registration) => {
      // Long-lived tabs check for a new version hourly.
      if (registration) setInterval(() => void registration.update(), 60 * 60 * 1000);
    },
  });
  const updateNeeded = useLiveQuery(() => store.syncState(), [])?.phase === "updateNeeded";
  const accept = () => {
    // workbox-window reloads only for updates it calls its own; a worker that arrived while this
    // page was open since its first install is "external", so reload on the switch ourselves.
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
    void updateServiceWorker(true);
  };
  useEffect(() => {
    if (updateNeeded) void navigator.serviceWorker?.getRegistration().then((registration) => registration?.update());
  }, [updateNeeded]);
  useEffect(() => {
    if (updateNeeded && needRefresh) accept();
  }, [updateNeeded, needRefresh]);
  if (!needRefresh) return null;
  return (
    <div className="update-prompt" role="status">
      <span>A new version of Fieldsync is ready.</span>
      <button className="primary" onClick={accept}>
        Reload
      </button>
      <button onClick={() => setNeedRefresh(false)}>Later</button>
    </div>
  );
}
