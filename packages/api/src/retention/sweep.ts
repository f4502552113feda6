import type { Db } from "@fieldsync/db";
import { purgeClaims } from "./claims.ts";
import { dropLogPartitionsBefore, ensureLogPartitions } from "./log-partitions.ts";
import { purgeTombstones } from "./tombstones.ts";

/** How long the server keeps what a device may come back for (docs/reliability.md "Bounded log"). */
export interface RetentionPolicy {
  /** Change-log weeks and tombstones older than this are removed; older cursors reset. */
  logHorizonDays: number;
  /** Exactly-once claims are kept this long after arrival; at least the horizon. */
  claimRetentionDays: number;
}

export interface RetentionOutcome {
  droppedPartitions: string[];
  purgedTombstones: number;
  purgedClaims: number;
}

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

/**
 * One retention pass: weeks ahead created, weeks past the horizon dropped, then tombstones and
 * claims past theirs purged in batches. Idempotent; the worker runs it on a timer.
 */
export async function runRetention(db: Db, policy: RetentionPolicy, now = new Date()): Promise<RetentionOutcome> {
  await ensureLogPartitions(db);
  const horizon = daysBefore(now, policy.logHorizonDays);
  const droppedPartitions = await dropLogPartitionsBefore(db, horizon);
  const purgedTombstones = await purgeTombstones(db, horizon);
  const purgedClaims = await purgeClaims(db, daysBefore(now, policy.claimRetentionDays));
  return { droppedPartitions, purgedTombstones, purgedClaims };
}
