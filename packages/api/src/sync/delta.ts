import { type DeltaBody, type DeltaResponse, entityTypes } from "@fieldsync/schema";
import type { AuthUser, Deps } from "../context.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { syncingDevice } from "./devices.ts";
import { pull } from "./pull.ts";

/**
 * POST /api/sync/delta: one page of changes for the device. The device's own changes are
 * included (it may have lost them, e.g. after clearing storage) — clients skip versions they hold.
 * A device flagged by cache invalidation gets `resetRequired` and a fresh snapshot instead.
 */
export async function deltaChanges({ db, config }: Deps, user: AuthUser, body: DeltaBody): Promise<DeltaResponse> {
  const types = body.entityTypes ? [...new Set(body.entityTypes)] : entityTypes;
  const cursor = body.pageToken ? decodeCursor(config.cursorSecret, user.orgId, types, body.pageToken) : null;
  const device = await syncingDevice(db, user, body.deviceId);
  const resetRequired = device.resyncRequired;
  const page = await pull(db, {
    orgId: user.orgId,
    types,
    cursor: resetRequired ? null : cursor,
    after: resetRequired ? undefined : body.lastSyncTimestamp,
    limit: body.pageSize,
  });
  const token = encodeCursor(config.cursorSecret, user.orgId, types, page.cursor);
  await db.syncClient.update({ where: { id: device.id }, data: { lastSyncAt: new Date(), syncToken: token, resyncRequired: false } });
  return {
    changes: page.changes,
    nextPageToken: token,
    hasMore: page.hasMore,
    syncToken: token,
    serverTime: new Date().toISOString(),
    progress: page.progress,
    resetRequired,
  };
}
