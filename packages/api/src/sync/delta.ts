import { sqlPoolOf } from "@fieldsync/db";
import type { DeltaBody, DeltaResponse } from "@fieldsync/schema";
import type { AuthSession, AuthUser, Deps } from "../context.ts";
import { renderedBodyOf, withRenderedChanges } from "../rendered-answer.ts";
import { encodeCursor, positionOf } from "./cursor.ts";
import { syncingDevice } from "./devices.ts";
import { pullRendered } from "./pull.ts";
import { planPull, planPullFrom } from "./horizon.ts";
import type { SessionSyncState } from "./sync-state.ts";
import { readFromReplica } from "./read-replica.ts";
import { readyToSync, recordSync } from "./record-sync.ts";

/**
 * POST /api/sync/delta: one page of changes for the device. The device's own changes are
 * included (it may have lost them, e.g. after clearing storage) — clients skip versions they hold.
 * A device flagged by cache invalidation, or whose cursor predates the log's horizon, gets
 * `resetRequired` and a fresh snapshot instead; one whose subscription changed gets a snapshot of
 * its new scope. Only subscribed entities are sent.
 * The page is read on the standby when there is one (read-replica.ts), the rest on the primary;
 * devices nudged for the same range share one page (realtime/shared-pages.ts), and a page that
 * has more gets the next one read while it travels (read-ahead.ts).
 * The page's changes come rendered by PostgreSQL and are sent as they are (withRenderedChanges);
 * their shape is held to deltaResponseSchema by pull-render.test.ts, not re-checked per request.
 */
export async function deltaChanges(
  deps: Deps & { session?: AuthSession | null; syncState?: SessionSyncState | null },
  user: AuthUser,
  body: DeltaBody,
): Promise<DeltaResponse> {
  const { db, config, sharedPages, readAhead, pullGate } = deps;
  const run = { startedAt: new Date(), started: performance.now() };
  // Decided before anything is written: a bad token must not register a device. The device row
  // and horizon come with the session when it was the token's device (one round trip less a page).
  const { known, plan } = deps.syncState && deps.session?.deviceId === body.deviceId
    ? planPullFrom(deps.syncState, config.cursorSecret, user, body.pageToken, body.entityTypes, body.lastSyncTimestamp)
    : await planPull(db, config.cursorSecret, user, body.deviceId, body.pageToken, body.entityTypes, body.lastSyncTimestamp);
  const { types, resetRequired } = plan;
  const device = readyToSync(known, user) ? known : await syncingDevice(db, user, body.deviceId, config.maxDevicesPerUser);
  const input = {
    orgId: user.orgId,
    types,
    cursor: plan.cursor,
    after: plan.cursor || resetRequired ? undefined : body.lastSyncTimestamp,
    limit: body.pageSize,
    subscription: plan.subscription,
  };
  const { value: page, lsn } = (body.reach === undefined ? await readAhead?.take(input, plan.lsn) : undefined) ??
    (await readFromReplica(deps, plan.lsn, (reader) => (sharedPages ? sharedPages.pull(reader, input, body.reach) : pullRendered(reader, input))));
  if (page.hasMore && body.reach === undefined && readAhead && !pullGate?.stats().waiting) {
    const next = { ...input, cursor: page.cursor, after: undefined };
    readAhead.start(next, lsn, () => readFromReplica(deps, lsn, (reader) => pullRendered(reader, next)));
  }
  const token = encodeCursor(config.cursorSecret, user.orgId, types, page.cursor, lsn);
  const recorded = recordSync(sqlPoolOf(db), "PULL", device.id, token, run, true);
  const answer = withRenderedChanges(page.changes, {
    nextPageToken: token,
    hasMore: page.hasMore,
    syncToken: token,
    position: positionOf(page.cursor),
    serverTime: new Date().toISOString(),
    progress: page.progress,
    resetRequired,
    evict: page.evict,
  });
  // The body (~1.3 MB at 1,000 changes) is encoded while the record's round trip is out; the
  // answer still leaves only once the record is committed.
  renderedBodyOf(answer);
  await recorded;
  return answer;
}
