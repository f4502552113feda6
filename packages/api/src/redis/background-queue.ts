import { type ApplyChangeJob, queueNames } from "@fieldsync/schema";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** What the sync service needs from the job queue; null in Deps means "no Redis configured". */
export interface BackgroundQueue {
  /** Hands queued rows to the worker. False when Redis is unreachable: the rows stay PENDING. */
  enqueue(queueItemIds: string[], priority: number): Promise<boolean>;
  /** Job counts by state, or null while Redis is unreachable. */
  jobCounts(): Promise<Record<string, number> | null>;
  isUp(): boolean;
  queue: Queue<ApplyChangeJob>;
}

export interface RetryPolicy {
  /** Attempts per change before it is dead-lettered (SyncQueue status FAILED). */
  maxAttempts: number;
  /** First retry delay; doubles each attempt, ±50 % jitter. */
  backoffMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, backoffMs: 500 };

/**
 * The sync-push queue, its keys under the deployment's Redis `prefix` (BullMQ's own default,
 * "bull", would be shared by every deployment on the Redis). Completed jobs are removed so the
 * relay can re-add a row's job id later; failed ones are kept for an hour for Bull Board and then
 * dropped.
 */
export function createSyncQueue(connection: Redis, prefix: string, retry: RetryPolicy = defaultRetryPolicy) {
  return new Queue<ApplyChangeJob>(queueNames.syncPush, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: retry.maxAttempts,
      backoff: { type: "exponential", delay: retry.backoffMs, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: { age: 3600 },
    },
  });
}

/** `prefix`: the deployment's Redis prefix (tests give each file its own). */
export function createBackgroundQueue(
  connection: Redis,
  retry: RetryPolicy | undefined,
  options: { prefix: string; log?: (message: string) => void },
): BackgroundQueue {
  const log = options.log ?? console.warn;
  const queue = createSyncQueue(connection, options.prefix, retry);
  queue.on("error", () => undefined);
  const isUp = () => connection.status === "ready";
  return {
    queue,
    isUp,
    async enqueue(ids, priority) {
      if (ids.length === 0) return true;
      if (!isUp()) {
        log(`Redis unavailable: ${ids.length} queued change(s) stay PENDING for the relay`);
        return false;
      }
      try {
        await queue.addBulk(ids.map((id) => ({ name: "apply-change", data: { queueItemId: id }, opts: { jobId: id, priority } })));
        return true;
      } catch (error) {
        log(`enqueue failed (${(error as Error).message}): ${ids.length} change(s) stay PENDING for the relay`);
        return false;
      }
    },
    async jobCounts() {
      if (!isUp()) return null;
      try {
        return await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed", "completed");
      } catch {
        return null;
      }
    },
  };
}
