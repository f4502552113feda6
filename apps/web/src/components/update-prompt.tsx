import { useRegisterSW } from "virtual:pwa-register/react";

/**
 * Registers the service worker and offers a reload when a new version is waiting. The new worker
 * only takes over when the technician agrees, so a form being filled in is never reloaded away.
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
  if (!needRefresh) return null;
  const accept = () => {
    // workbox-window reloads only for updates it calls its own; a worker that arrived while this
    // page was open since its first install is "external", so reload on the switch ourselves.
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
    void updateServiceWorker(true);
  };
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
