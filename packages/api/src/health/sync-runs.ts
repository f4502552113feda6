import type { Db } from "@fieldsync/db";
import { limits } from "@fieldsync/schema";

/** Deletes an organization's runs older than the dashboard shows (the worker's periodic sweep). */
export async function pruneSyncRuns(db: Db, orgId: string): Promise<void> {
  const before = new Date(Date.now() - limits.maxHealthHours * 3_600_000);
  await db.syncRun.deleteMany({ where: { orgId, startedAt: { lt: before } } });
}
