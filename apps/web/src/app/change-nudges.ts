import { syncEventSchema } from "@fieldsync/schema";
import { pullDelay, replansCatchUp } from "@fieldsync/sync-core";
import { engine, scheduler } from "./runtime.ts";

const reconnectMs = 10_000;

/**
 * Listens to the server's change events (GET /api/sync/events, Server-Sent Events). An event
 * carries the range of the log it covers: with its changes, a device whose token sits at the
 * range's start stores them and moves its token without pulling (engine.applyLiveEvent); a device
 * that missed a range pulls. Pushed changes the range does not hold yet come as a preview, shown
 * at once, and the scheduler's regular pull moves the token past them later. A device that must
 * pull waits a random part of the window sync-core's pullDelay gives (the server's catch-up window
 * for a storm's range the whole fleet heard at once, a few seconds otherwise), and nudges
 * meanwhile add none; a nudge without a range pulls at once. EventSource cannot send headers, so
 * the stream opens with a single-use ticket (never the access token: URLs end up in logs); when the
 * token behind it expires the server ends the stream with `reauth`, and a stream that failed for
 * good is reopened later, both with a fresh ticket. Returns a function that stops listening.
 */
export function listenForChangeNudges(): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const onChanges = async (data: string) => {
    const event = syncEventSchema.safeParse(JSON.parse(data));
    if (event.success && (await engine.applyLiveEvent(event.data))) return;
    // A storm's later range re-plans the catch-up (its window is the fleet's); other nudges add none to a planned one.
    const replan = event.success && replansCatchUp(event.data);
    if (scheduler.catchingUp && !replan) return;
    const delay = event.success ? pullDelay(event.data) : 0;
    if (delay === 0 && !scheduler.catchingUp) void scheduler.request();
    else scheduler.requestAfter(delay, replan);
  };

  const connect = async () => {
    source?.close();
    if (stopped || !navigator.onLine) return;
    const ticket = await engine.streamTicket().catch(() => null);
    if (!ticket || stopped) return;
    const deviceId = await engine.deviceId();
    source = new EventSource(`/api/sync/events?ticket=${encodeURIComponent(ticket)}&deviceId=${encodeURIComponent(deviceId)}`);
    source.addEventListener("changes", (event) => void onChanges((event as MessageEvent<string>).data).catch(() => scheduler.request()));
    source.addEventListener("reauth", () => void connect());
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
