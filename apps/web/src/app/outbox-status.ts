import type { OutboxEntry } from "@fieldsync/sync-client";

export type SyncMark = "pending" | "conflict" | "failed";

const weight: Record<SyncMark, number> = { pending: 1, failed: 2, conflict: 3 };

/** For badges: per entity (`type:id`), the most pressing state of its queued changes. */
export function marksByEntity(outbox: readonly OutboxEntry[]): Map<string, SyncMark> {
  const marks = new Map<string, SyncMark>();
  for (const entry of outbox) {
    const key = `${entry.entityType}:${entry.entityId}`;
    const mark: SyncMark = entry.status;
    const current = marks.get(key);
    if (!current || weight[mark] > weight[current]) marks.set(key, mark);
  }
  return marks;
}

/** For badges that link to their conflict: per entity (`type:id`), the conflict its queued change waits on. */
export function conflictIdsByEntity(outbox: readonly OutboxEntry[]): Map<string, string> {
  const ids = new Map<string, string>();
  for (const entry of outbox) {
    if (entry.status === "conflict" && entry.conflictId) ids.set(`${entry.entityType}:${entry.entityId}`, entry.conflictId);
  }
  return ids;
}
