// Time passing for the bounded log: runs the worker's retention pass as if `days` had gone by, so
// every change-log week written so far lies past the horizon and is dropped (its horizon
// recorded), and tombstones and claims older than their retention are purged. Then the current
// week is created again, as the worker's next run would, so writes go on.
import { type RetentionOutcome, type RetentionPolicy, ensureLogPartitions, runRetention } from "@fieldsync/api";
import type { Db } from "@fieldsync/db";

export const testRetention: RetentionPolicy = { logHorizonDays: 30, claimRetentionDays: 90 };

export async function passTime(db: Db, days: number, policy: RetentionPolicy = testRetention): Promise<RetentionOutcome> {
  const outcome = await runRetention(db, policy, new Date(Date.now() + days * 86_400_000));
  await ensureLogPartitions(db);
  return outcome;
}
