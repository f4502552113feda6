import { store } from "./runtime.ts";
import { useLiveQuery } from "./use-live-query.ts";

/** Whether the signed-in user is an organization admin (admin-only screens); undefined while loading. */
export function useIsAdmin(): boolean | undefined {
  const session = useLiveQuery(() => store.getSession(), []);
  return session === undefined ? undefined : session.user.role === "ADMIN";
}
