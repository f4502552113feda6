import { type Db, sqlPoolOf } from "@fieldsync/db";
import type { Deps, ReadReplica } from "../context.ts";

/*
 * Reads on a hot standby (context.ts's ReadReplica, DATABASE_READ_URL).
 *
 * Gap-free there too: the delta fence (`fieldsync_delta_fence`) reads `pg_current_snapshot()`,
 * which on a standby lists the primary's transactions as replayed so far: one whose commit is not
 * replayed yet is still in progress there (or above xmax), so no cursor moves past it.
 *
 * Read-your-writes: a token minted from the primary's state (a push's answer, a read that fell
 * back) carries the primary's WAL position after it; a read on the standby first waits, up to
 * `maxWaitMs`, for the standby to replay that position, and is served by the primary past it.
 */

/** What these reads take of the api's Deps. */
type ReplicaDeps = Pick<Deps, "db" | "readReplica" | "log">;

/** Where a read was served and, if by the primary, its WAL position after the read (for the next token). */
export interface ReplicaRead<T> {
  value: T;
  lsn: string | undefined;
}

/**
 * The primary's WAL insert position: at or past the end of every commit record written so far
 * (pg_current_wal_lsn, the write position, can lag a commit under synchronous_commit=off).
 * Undefined without a standby: nothing waits for it.
 */
export async function primaryPosition({ db, readReplica }: Omit<ReplicaDeps, "log">): Promise<string | undefined> {
  if (!readReplica) return undefined;
  const [row] = await sqlPoolOf(db).query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
  return row!.lsn;
}

/** Whether the standby has replayed `lsn` (a primary named as DATABASE_READ_URL has it already). */
async function replayed(replica: Db, lsn: string): Promise<boolean> {
  const [row] = await replica.$queryRaw<{ done: boolean }[]>`
    SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END >= ${lsn}::pg_lsn AS done`;
  return row!.done;
}

/** Polls until the standby has replayed `lsn` or `maxWaitMs` has passed; false then. */
async function caughtUp(replica: ReadReplica, lsn: string): Promise<boolean> {
  const deadline = performance.now() + replica.maxWaitMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    if (await replayed(replica.db, lsn)) return true;
    if (performance.now() + pause > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * Runs `read` on the standby once it has replayed `lsn` (the token's position; none: at once), on
 * the primary when there is no standby, when it stays behind past the bound, or when it fails
 * (unreachable, or a query cancelled by a recovery conflict): a pull never fails for the standby.
 */
export async function readFromReplica<T>(deps: ReplicaDeps, lsn: string | undefined, read: (db: Db) => Promise<T>): Promise<ReplicaRead<T>> {
  const replica = deps.readReplica;
  if (!replica) return { value: await read(deps.db), lsn: undefined };
  try {
    if (lsn === undefined || (await caughtUp(replica, lsn))) return { value: await read(replica.db), lsn: undefined };
  } catch (error) {
    deps.log?.warn({ err: error }, "read on the standby failed; the primary serves it");
  }
  const value = await read(deps.db);
  return { value, lsn: await primaryPosition(deps) };
}
