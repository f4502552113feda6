import type { $Enums, Sql } from "@fieldsync/db";
import type { AuthUser } from "../context.ts";
import type { DeviceSyncState } from "./sync-state.ts";

/** A device that may sync as it is: known, the caller's, active and not renamed by this sync. */
export const readyToSync = (device: DeviceSyncState | null, user: AuthUser, deviceName?: string): device is DeviceSyncState =>
  device !== null && device.userId === user.id && device.isActive && (deviceName === undefined || deviceName === device.deviceName);

/**
 * Records a finished push or pull: the device's sync (lastSyncAt, syncToken; with `clearResets`,
 * its reset flags, which the answer has dealt with) and its SyncRun for the health dashboard, in
 * one statement.
 *
 * A pull's record (always a statement of its own, delta.ts) commits without waiting for its WAL
 * flush (synchronous_commit off for that transaction only): pulls are most of a fleet's requests
 * and this is their only write. Lost in a crash, the device still holds its token, the dashboard
 * misses a run, and a reset flag cleared here comes back: the device is sent one more snapshot.
 */
export const recordSync = (sql: Sql, kind: $Enums.SyncRunKind, clientId: string, syncToken: string, run: { startedAt: Date; started: number }, clearResets: boolean) =>
  sql.query(
    `WITH run AS (
       INSERT INTO "SyncRun" ("orgId", "clientId", "kind", "startedAt", "durationMs")
       SELECT "orgId", "id", $5::"SyncRunKind", $3::timestamp(3), $4 FROM "SyncClient" WHERE "id" = $1)
     UPDATE "SyncClient" SET "lastSyncAt" = clock_timestamp() AT TIME ZONE 'UTC', "syncToken" = $2
       ${clearResets ? `, "resyncRequired" = false, "rescopeRequired" = false` : ""}
     WHERE "id" = $1${kind === "PULL" ? ` AND set_config('synchronous_commit', 'off', true) IS NOT NULL` : ""}`,
    [clientId, syncToken, run.startedAt.toISOString(), performance.now() - run.started, kind],
  );
