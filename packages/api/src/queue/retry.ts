import { Prisma } from "@fieldsync/db";
import { jobPriorities } from "@fieldsync/schema";
import { auditActions, recordAudit } from "../audit/record.ts";
import type { AuthUser, Deps } from "../context.ts";
import { queueScope } from "./stats.ts";

/**
 * POST /api/sync/queue/retry: puts FAILED changes (dead letters and rejections) back to PENDING
 * with fresh attempts and enqueues them. Only changes the caller may see: ids of other
 * organizations or of colleagues' devices (for technicians) are ignored like unknown ids.
 */
export async function retryFailed({ db, queue }: Deps, user: AuthUser, ids?: string[]): Promise<{ retried: string[] }> {
  const retried = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "SyncQueue" q SET "status" = 'PENDING', "attempts" = 0, "result" = NULL, "errorCode" = NULL, "errorMessage" = NULL, "processedAt" = NULL
      FROM "SyncClient" c
      WHERE c."id" = q."clientId" AND q."status" = 'FAILED' AND ${queueScope(user)}
        ${ids ? Prisma.sql`AND q."id" = ANY(${ids}::text[])` : Prisma.empty}
      RETURNING q."id"`;
    const retriedIds = rows.map((r) => r.id);
    if (retriedIds.length) {
      await recordAudit(tx, {
        orgId: user.orgId,
        actorId: user.id,
        action: auditActions.queueRetried,
        targetType: "syncQueue",
        targetId: retriedIds.length === 1 ? retriedIds[0]! : `${retriedIds.length} items`,
        after: { ids: retriedIds },
      });
    }
    return retriedIds;
  });
  await queue?.enqueue(retried, jobPriorities.interactive);
  return { retried };
}
