import type { $Enums, Db } from "@fieldsync/db";
import { limits } from "@fieldsync/schema";
import type { AuthUser } from "../context.ts";

/**
 * Runs one pull (a tRPC `next`) and, when it succeeded, records its server time in SyncRun for
 * the health dashboard (a push records its own with the device's sync: sync/push.ts). Best effort and after the fact: the sync's own transaction has
 * committed, so a failed insert must not fail the request; it only leaves a gap in the history.
 * One statement: the device is looked up by the insert itself.
 */
export async function recordSyncRun<R extends { ok: boolean }>(
  db: Db,
  user: AuthUser,
  kind: $Enums.SyncRunKind,
  deviceId: string,
  run: () => Promise<R>,
): Promise<R> {
  const startedAt = new Date();
  const started = performance.now();
  const result = await run();
  if (result.ok) {
    const durationMs = performance.now() - started;
    try {
      await db.$executeRaw`
        INSERT INTO "SyncRun" ("orgId", "clientId", "kind", "startedAt", "durationMs")
        SELECT c."orgId", c."id", ${kind}::"SyncRunKind", ${startedAt}, ${durationMs}
        FROM "SyncClient" c WHERE c."orgId" = ${user.orgId} AND c."deviceId" = ${deviceId}`;
    } catch {
      // The history is an aid; the device already has its answer's effects committed.
    }
  }
  return result;
}

/** Deletes an organization's runs older than the dashboard shows (the worker's periodic sweep). */
export async function pruneSyncRuns(db: Db, orgId: string): Promise<void> {
  const before = new Date(Date.now() - limits.maxHealthHours * 3_600_000);
  await db.syncRun.deleteMany({ where: { orgId, startedAt: { lt: before } } });
}
