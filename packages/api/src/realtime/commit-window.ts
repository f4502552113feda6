import type { ChangeNotifier } from "../context.ts";

/** Calls `close` once `ms` have passed. Tests pass their own, to close windows by hand. */
export type WindowTimer = (close: () => void, ms: number) => void;

const timeoutTimer: WindowTimer = (close, ms) => {
  setTimeout(close, ms).unref();
};

/** Length of a commit window: devices hear of a burst's commits at most this long after they land. */
export const defaultCommitWindowMs = 50;

/**
 * Announces an organization's commits once per window, whatever the number of jobs applied in
 * it: the first commit of a quiet organization is announced at once, the ones after it within
 * `windowMs` only mark the window, and one announcement when it closes covers them all (a nudge
 * carries the organization's newest position when it is sent). A window that closes with nothing
 * new ends; the next commit opens a new one. Pushes announced with their changes pass through,
 * one event per push, as before.
 */
export function commitWindows(inner: ChangeNotifier, windowMs = defaultCommitWindowMs, timer: WindowTimer = timeoutTimer): ChangeNotifier {
  /** Organizations with an open window, and whether a commit landed in it since its last announcement. */
  const open = new Map<string, boolean>();
  const close = (orgId: string) => {
    if (!open.get(orgId)) {
      open.delete(orgId);
      return;
    }
    open.set(orgId, false);
    timer(() => close(orgId), windowMs);
    void inner.publish(orgId);
  };
  return {
    deviceRevoked: (orgId, deviceId) => inner.deviceRevoked(orgId, deviceId),
    async publish(orgId, live) {
      if (live) return inner.publish(orgId, live);
      if (open.has(orgId)) {
        open.set(orgId, true);
        return;
      }
      open.set(orgId, false);
      timer(() => close(orgId), windowMs);
      await inner.publish(orgId);
    },
  };
}
