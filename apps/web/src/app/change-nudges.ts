import { engine, scheduler } from "./runtime.ts";

const reconnectMs = 10_000;

/**
 * Listens to the server's change nudges (GET /api/sync/events, Server-Sent Events) and pulls at
 * once when the organization has new changes, instead of waiting for the interval. The stream
 * carries no data, only "something changed". EventSource cannot send headers, so the access
 * token goes in the query; when the stream fails for good (e.g. that token expired) it is
 * reopened with a fresh token. Returns a function that stops listening.
 */
export function listenForChangeNudges(): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const connect = async () => {
    source?.close();
    if (stopped || !navigator.onLine) return;
    const token = await engine.accessToken().catch(() => null);
    if (!token || stopped) return;
    source = new EventSource(`/api/sync/events?token=${encodeURIComponent(token)}`);
    source.addEventListener("changes", () => void scheduler.request());
    source.addEventListener("error", () => {
      // EventSource retries by itself while the server is reachable; CLOSED means it gave up.
      if (source?.readyState === EventSource.CLOSED) {
        clearTimeout(timer);
        timer = setTimeout(() => void connect(), reconnectMs);
      }
    });
  };

  const onOnline = () => void connect();
  window.addEventListener("online", onOnline);
  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener("online", onOnline);
    source?.close();
  };
}
