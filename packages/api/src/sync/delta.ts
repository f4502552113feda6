import { sqlPoolOf } from "@fieldsync/db";
import type { DeltaBody, DeltaResponse } from "@fieldsync/schema";
import type { AuthUser, Deps } from "../context.ts";
import { withRenderedChanges } from "../rendered-answer.ts";
import { encodeCursor, positionOf } from "./cursor.ts";
import { syncingDevice } from "./devices.ts";
import { pullRendered } from "./pull.ts";
import { planFrom, readDevice } from "./pull-plan.ts";
import { readyToSync, recordSync } from "./record-sync.ts";

/**
 * POST /api/sync/delta: one page of changes for the device. The device's own changes are
 * included (it may have lost them, e.g. after clearing storage) — clients skip versions they hold.
 * A device flagged by cache invalidation gets `resetRequired` and a fresh snapshot instead; one
 * whose subscription changed gets a snapshot of its new scope. Only subscribed entities are sent.
 * The page's changes come rendered by PostgreSQL and are sent as they are (withRenderedChanges);
 * their shape is held to deltaResponseSchema by pull-render.test.ts, not re-checked per request.
 * Three statements for a known device: its row, the page, and its sync with its SyncRun.
 */
export async function deltaChanges({ db, config }: Deps, user: AuthUser, body: DeltaBody): Promise<DeltaResponse> {
  const run = { startedAt: new Date(), started: performance.now() };
  const known = await readDevice(db, user.orgId, body.deviceId);
  // Decided before anything is written: a bad token must not register a device.
  const plan = planFrom(known, config.cursorSecret, user, body.pageToken, body.entityTypes);
  const { types, resetRequired } = plan;
  const device = readyToSync(known, user) ? known : await syncingDevice(db, user, body.deviceId, config.maxDevicesPerUser);
  const page = await pullRendered(db, {
    orgId: user.orgId,
    types,
    cursor: plan.cursor,
    after: plan.cursor || resetRequired ? undefined : body.lastSyncTimestamp,
    limit: body.pageSize,
    subscription: plan.subscription,
  });
  const token = encodeCursor(config.cursorSecret, user.orgId, types, page.cursor);
  await recordSync(sqlPoolOf(db), "PULL", device.id, token, run, true);
  return withRenderedChanges(page.changes, {
    nextPageToken: token,
    hasMore: page.hasMore,
    syncToken: token,
    position: positionOf(page.cursor),
    serverTime: new Date().toISOString(),
    progress: page.progress,
    resetRequired,
    evict: page.evict,
  });
}
