import type { DeltaBody, DeltaResponse } from "@fieldsync/schema";
import type { AuthUser, Deps } from "../context.ts";
import { encodeCursor, positionOf } from "./cursor.ts";
import { syncingDevice } from "./devices.ts";
import { pull } from "./pull.ts";
import { planPull } from "./pull-plan.ts";
import { readFromReplica } from "./read-replica.ts";

/**
 * POST /api/sync/delta: one page of changes for the device. The device's own changes are
 * included (it may have lost them, e.g. after clearing storage) — clients skip versions they hold.
 * A device flagged by cache invalidation, or whose cursor predates the log's horizon, gets
 * `resetRequired` and a fresh snapshot instead; one
 * whose subscription changed gets a snapshot of its new scope. Only subscribed entities are sent.
 * The page is read on the standby when there is one (read-replica.ts), the rest on the primary.
 */
export async function deltaChanges(deps: Deps, user: AuthUser, body: DeltaBody): Promise<DeltaResponse> {
  const { db, config, sharedPages } = deps;
  const plan = await planPull(db, config.cursorSecret, user, body.deviceId, body.pageToken, body.entityTypes, body.lastSyncTimestamp);
  const { types, resetRequired } = plan;
  const device = await syncingDevice(db, user, body.deviceId, config.maxDevicesPerUser);
  const input = {
    orgId: user.orgId,
    types,
    cursor: plan.cursor,
    after: plan.cursor || resetRequired ? undefined : body.lastSyncTimestamp,
    limit: body.pageSize,
    subscription: plan.subscription,
  };
  const { value: page, lsn } = await readFromReplica(deps, plan.lsn, (reader) =>
    sharedPages ? sharedPages.pull(reader, input, body.reach) : pull(reader, input),
  );
  const token = encodeCursor(config.cursorSecret, user.orgId, types, page.cursor, lsn);
  await db.syncClient.update({ where: { id: device.id }, data: { lastSyncAt: new Date(), syncToken: token, resyncRequired: false, rescopeRequired: false } });
  return {
    changes: page.changes,
    nextPageToken: token,
    hasMore: page.hasMore,
    syncToken: token,
    position: positionOf(page.cursor),
    serverTime: new Date().toISOString(),
    progress: page.progress,
    resetRequired,
    evict: page.evict,
  };
}
