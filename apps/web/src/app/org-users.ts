import type { OrgUser } from "@fieldsync/schema";
import { useEffect } from "react";
import { store } from "./runtime.ts";
import { trpcClient } from "./trpc.ts";
import { useLiveQuery } from "./use-live-query.ts";

// The organization's users (whom a task can be assigned to), kept in the device's store so the
// assignee picker works offline. Refreshed after syncs, at most every few minutes; screens read
// the stored copy only, so online and offline they show the same thing.

const metaKey = "orgUsers";
const refreshEveryMs = 5 * 60_000;

interface Stored {
  users: OrgUser[];
  fetchedAt: number;
}

let inFlight: Promise<void> | null = null;

/** Fetches the list into the store unless a fresh copy is there (`force`: anyway). Offline: keeps the stored copy. */
export function refreshOrgUsers(force = false): Promise<void> {
  inFlight ??= (async () => {
    try {
      const stored = await store.getMeta<Stored>(metaKey);
      if (!force && stored && Date.now() - stored.fetchedAt < refreshEveryMs) return;
      const { users } = await trpcClient.users.list.query();
      await store.setMeta(metaKey, { users, fetchedAt: Date.now() } satisfies Stored);
    } catch {
      // Offline or signed out: the stored list (maybe none yet) stays; the next sync tries again.
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

/** The stored users, by name; undefined while reading, [] before the first fetch. */
export const useOrgUsers = (): OrgUser[] | undefined => useLiveQuery(async () => (await store.getMeta<Stored>(metaKey))?.users ?? [], []);

/** Keeps the stored list fresh: after each completed sync (the server is reachable then). */
export function useOrgUsersRefresh(): void {
  const lastSyncAt = useLiveQuery(async () => (await store.syncState()).lastSyncAt, []);
  useEffect(() => {
    if (lastSyncAt) void refreshOrgUsers();
  }, [lastSyncAt]);
}
