import type { Db } from "@fieldsync/db";
import { type ApplyChangeJob, jobPriorities } from "@fieldsync/schema";
import type { Queue } from "bullmq";

/**
 * PostgreSQL is the source of truth for queued changes; Redis only carries pointers to them.
 * A job drains its device's queue in arrival order, so the relay needs one per device: for each
 * device with PENDING rows older than `olderThanMs`, it takes the oldest, and when that row's job
 * is missing (Redis was down at push time, or lost its data) or ended failed while the row still
 * has attempts left, enqueues it again under the row's id, so a row has at most one live job.
 */
export async function relayPending(db: Db, queue: Queue<ApplyChangeJob>, olderThanMs: number, limit = 1000): Promise<number> {
  const heads = await db.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT ON ("clientId") id FROM "SyncQueue"
    WHERE status IN ('PENDING', 'SYNCING') AND "createdAt" < ${new Date(Date.now() - olderThanMs)}
    ORDER BY "clientId", seq
    LIMIT ${limit}`;
  let relayed = 0;
  for (const { id } of heads) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : null;
    if (job && state !== "failed" && state !== "completed" && state !== "unknown") continue;
    if (job) await job.remove().catch(() => undefined);
    await queue.add("apply-change", { queueItemId: id }, { jobId: id, priority: jobPriorities.relay });
    relayed++;
  }
  return relayed;
}
