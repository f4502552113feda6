import type { Db } from "@fieldsync/db";
import { type ApplyChangeJob, jobPriorities } from "@fieldsync/schema";
import type { Queue } from "bullmq";

/**
 * PostgreSQL is the source of truth for queued changes; Redis only carries pointers to them.
 * The relay finds PENDING rows older than `olderThanMs` whose job is missing (Redis was down at
 * push time, or lost its data) or ended failed while the row still has attempts left, and
 * enqueues them again under the same job id, so a row has at most one live job.
 */
export async function relayPending(db: Db, queue: Queue<ApplyChangeJob>, olderThanMs: number, limit = 1000): Promise<number> {
  const rows = await db.syncQueue.findMany({
    where: { status: { in: ["PENDING", "SYNCING"] }, createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    orderBy: { seq: "asc" },
    take: limit,
    select: { id: true },
  });
  let relayed = 0;
  for (const { id } of rows) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : null;
    if (job && state !== "failed" && state !== "completed" && state !== "unknown") continue;
    if (job) await job.remove().catch(() => undefined);
    await queue.add("apply-change", { queueItemId: id }, { jobId: id, priority: jobPriorities.relay });
    relayed++;
  }
  return relayed;
}
