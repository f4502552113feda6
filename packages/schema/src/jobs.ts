import { z } from "zod";

// BullMQ queue names and job payloads, shared by the server (producer) and the worker (consumer).
// Queue names are part of the Redis key space and of metric labels: never rename one.
export const queueNames = {
  /** One job per queued change; its job id is the SyncQueue row id. */
  syncPush: "sync-push",
} as const;

export const applyChangeJobSchema = z.strictObject({
  /** The SyncQueue row to apply (PostgreSQL holds the change; Redis only the pointer). */
  queueItemId: z.uuid(),
});
export type ApplyChangeJob = z.infer<typeof applyChangeJobSchema>;

/** Lower runs first: a technician waiting on a push goes ahead of bulk imports and re-enqueues. */
export const jobPriorities = { interactive: 1, relay: 5, bulk: 10 } as const;
