import type { SyncState } from "@fieldsync/sync-client";

/**
 * The top bar's one-word sync state. "synced" only once a sync has finished: before the first
 * one, an empty outbox says nothing about whether the server's data is here.
 */
export function syncPillText(state: Pick<SyncState, "phase" | "lastSyncAt"> | undefined, pending: number): string {
  if (state?.phase === "updateNeeded") return "update needed";
  if (pending > 0) return `${pending} pending`;
  if (state?.phase === "syncing") return "syncing";
  if (state?.phase === "busy") return "server busy";
  return state?.lastSyncAt ? "synced" : "no sync yet";
}
