import {
  type ConflictResolution,
  type EntityData,
  type LookupConflictsResponse,
  type ResolveConflictResponse,
  type ServerChange,
  type Subscription,
  type SyncEvent,
  errorCodes,
  limits,
  schemaVersion,
} from "@fieldsync/schema";
import { rangeStep, scopeKey } from "@fieldsync/sync-core";
import { ApiClient, ApiError, NetworkError } from "./api-client.ts";
import type { LocalDb } from "./local-db.ts";
import { LocalStore } from "./local-store.ts";
import { type Session, type SyncPhase, newDeviceId, toSession } from "./session-state.ts";
import { upgradeLocalData } from "./local-schema.ts";
import { checkedChanges, entriesNamedBy, isUnpinnedRefusal } from "./push-batch.ts";
import { withLock } from "./sync-lock.ts";
import type { Verification } from "./replica-verify.ts";
import { verifyAndRecord } from "./verify.ts";

export interface SyncEngineOptions {
  db: LocalDb;
  /** Origin of the API (same origin as the app in production). */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Shown in the devices list, e.g. "Chrome on Android". */
  deviceName?: string;
  /** Changes per delta page (default `defaultPullPageSize`). */
  pageSize?: number;
  /** Changes per push. */
  pushBatchSize?: number;
  /**
   * After a sync, verify the replica (verify.ts) when the last verification is older than this;
   * null: only when asked (`verify()`). Default 15 minutes.
   */
  verifyEveryMs?: number | null;
}

/** What one sync cycle did. */
export interface SyncReport {
  /** Changes sent (first deliveries and retries). */
  pushed: number;
  applied: number;
  conflicts: number;
  rejected: number;
  /** Changes the server queued for background processing; their outcome comes with a later push. */
  queued: number;
  /** Results the server replayed for changes it had already processed (answers lost earlier). */
  duplicates: number;
  /** Server changes stored locally (newer than what this device had). */
  received: number;
  /** Changes marked failed on this device without an answer of their own: invalid, or refused alone. */
  failed: number;
}

/**
 * Changes per delta page, chosen by measurement (1 Dec, 10,000 changes of ~1.3 KB, load 6-18):
 * the server sends ~8k rows/s in pages of 200, ~15k in 500, ~21k in 1000, ~30k in 2000 and no
 * more in 5000 (its per-request work, ~20 ms, is what small pages repeat), while the phone applies
 * ~5k rows/s whatever the size. So 1000 takes most of the gain (10,000 changes: 10 requests instead
 * of 50), and bigger pages would mostly cost the device: each page is one IndexedDB write
 * transaction (~0.2 s at 1000 rows, which a user's edit waits behind), ~1.3 MB of JSON held with
 * its parsed copy, and a progress step.
 */
const defaultPullPageSize = 1000;

const emptyReport = (): SyncReport => ({ pushed: 0, applied: 0, conflicts: 0, rejected: 0, queued: 0, duplicates: 0, received: 0, failed: 0 });

function phaseOf(error: unknown): SyncPhase {
  if (error instanceof NetworkError) return "offline";
  if (error instanceof ApiError && error.status === 401) return "unauthorized";
  if (error instanceof ApiError && error.code === "DEVICE_REVOKED") return "revoked";
  if (error instanceof ApiError && error.code === errorCodes.SERVER_BUSY) return "busy";
  if (error instanceof ApiError && error.code === errorCodes.SCHEMA_VERSION_TOO_OLD) return "updateNeeded";
  return "error";
}

/**
 * The push/pull loop. `sync()` runs one cycle under a cross-tab lock: initial snapshot if this
 * device has none, refresh of open conflicts, push batches until the outbox holds nothing
 * sendable, then pull other devices' changes. It throws what stopped it
 * (NetworkError, ApiError, ProtocolError); what was acknowledged before that is kept, and what
 * was sent without an answer is re-sent later under the same changeId (exactly-once).
 */
export class SyncEngine {
  readonly store: LocalStore;
  readonly api: ApiClient;
  private readonly lockName: string;
  /** The end of the range the latest event told this device to pull: its next pull names it (`reach`). */
  private reach: string | null = null;
  private lastLiveAt: number | null = null;
  private readonly authLockName: string;

  constructor(private readonly options: SyncEngineOptions) {
    this.store = new LocalStore(options.db);
    this.api = new ApiClient({
      baseUrl: options.baseUrl,
      getToken: () => this.accessToken(),
      renewToken: (rejected) => this.renewSession(rejected),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.lockName = `fieldsync-sync:${options.db.name}`;
    this.authLockName = `fieldsync-auth:${options.db.name}`;
  }

  /**
   * A usable access token: the stored one, or a renewed one when it is about to expire. Null
   * when there is no session (or it cannot be renewed: the user must log in again).
   */
  async accessToken(): Promise<string | null> {
    const session = await this.store.getSession();
    if (!session) return null;
    if (Date.parse(session.expiresAt) - 60_000 > Date.now()) return session.token;
    return this.renewSession(session.token);
  }

  /**
   * Exchanges the refresh token. Refresh tokens are single-use and the server treats a second use
   * as theft (revoking the whole session), so tabs and the service worker renew under one lock
   * and whoever comes second takes the pair the first one stored.
   */
  private renewSession(stale: string): Promise<string | null> {
    return withLock(this.authLockName, async () => {
      const session = await this.store.getSession();
      if (!session) return null;
      if (session.token !== stale) return session.token;
      if (!session.refreshToken) return Date.parse(session.expiresAt) > Date.now() ? session.token : null;
      try {
        const renewed = toSession(await this.api.refresh(session.refreshToken, (await this.store.device()).deviceId));
        await this.store.setSession(renewed);
        return renewed.token;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          await this.store.clearSession();
          return null;
        }
        // Offline: keep the session; the next attempt renews.
        throw error;
      }
    });
  }

  /**
   * Logs in on this store's device and registers it; the session is bound to the device id.
   * Throws StoreOwnedByAnotherUser (after the server accepted the password) when this store is
   * another user's: pick the store with Accounts.signIn. A device id the server says another user
   * holds is replaced by a fresh one. Logging in is also how a revoked device comes back.
   */
  async login(email: string, password: string): Promise<Session> {
    let deviceId = (await this.store.device()).deviceId;
    const response = await this.api.login({ email, password, deviceId }).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.code === "DEVICE_OWNED_BY_ANOTHER_USER")) throw error;
      deviceId = newDeviceId();
      return this.api.login({ email, password, deviceId });
    });
    const session = toSession(response);
    await this.store.setSession(session);
    if ((await this.store.device()).deviceId !== deviceId) await this.store.setDevice({ deviceId, registeredFor: null });
    await this.store.patchSyncState({ phase: "idle", lastError: null, failures: 0, nextRetryAt: null });
    await this.ensureDevice(session, true);
    return session;
  }

  private async ensureDevice(session: Session, force = false): Promise<string> {
    const device = await this.store.device();
    if (force || device.registeredFor !== session.user.id) {
      await this.api.registerDevice(device.deviceId, this.options.deviceName);
      await this.store.setDevice({ ...device, registeredFor: session.user.id });
    }
    return device.deviceId;
  }

  sync(): Promise<SyncReport> {
    return withLock(this.lockName, async () => {
      const report = await this.cycle();
      await this.verifyIfDue();
      return report;
    });
  }

  /** Verifies the replica against the server now and repairs what differs (see verify.ts). */
  verify(): Promise<Verification> {
    return withLock(this.lockName, async () => verifyAndRecord(this.api, this.options.db, (await this.store.device()).deviceId));
  }

  /** A verification after a sync, when one is due; its failure is recorded, never the sync's. */
  private async verifyIfDue(): Promise<void> {
    const every = this.options.verifyEveryMs === undefined ? 15 * 60_000 : this.options.verifyEveryMs;
    const last = await this.store.verification();
    if (every === null || (last && Date.now() - Date.parse(last.at) < every) || !(await this.store.syncState()).initialSyncDone) return;
    await verifyAndRecord(this.api, this.options.db, (await this.store.device()).deviceId).catch(() => undefined);
  }

  /**
   * Changes what this device keeps offline (selective sync): drops what left the scope, then
   * syncs, which brings what entered it (the server restarts this device from a snapshot of the
   * new scope, with progress). Queued changes to dropped entities still sync.
   */
  async setSubscription(subscription: Subscription): Promise<SyncReport> {
    const session = await this.store.getSession();
    if (!session) throw new ApiError(401, "UNAUTHORIZED", "Log in first");
    const deviceId = await this.ensureDevice(session);
    const response = await this.api.setSubscription(deviceId, subscription);
    await this.store.evict(response.evict);
    await this.store.setMeta("subscription", response.subscription);
    const report = await this.sync();
    // Entities kept only for their queued changes can go once those have synced.
    await this.store.evict(response.evict);
    return report;
  }

  /** The subscription last set on this device; null: it keeps everything. */
  async subscription(): Promise<Subscription | null> {
    return (await this.store.getMeta<Subscription>("subscription")) ?? null;
  }

  /** The id this device syncs under (the live events stream leaves its own changes out). */
  async deviceId(): Promise<string> {
    return (await this.store.device()).deviceId;
  }

  /** A single-use ticket for this device's live events stream. */
  streamTicket(): Promise<string> {
    return this.api.streamTicket().then((answer) => answer.ticket);
  }

  /**
   * Shows other devices' just-committed changes from a live `changes` event before the next
   * pull (which still has to come: the sync token moves only there). False on a device with a
   * subscription, which takes what is in its scope from pulls only.
   */
  async applyLiveChanges(changes: readonly ServerChange[]): Promise<boolean> {
    if (await this.subscription()) return false;
    await this.store.applyServerChanges(changes);
    return true;
  }

  /**
   * Takes a live `changes` event. Its changes (the range's and a preview, filtered by the server
   * to this device's scope) are shown at once, even while a sync holds the lock. Then, when the
   * range starts at or before this device's token, the token moves to the range's end without
   * pulling (rangeStep), with the range's evictions; a range the device already holds needs
   * nothing. True when no pull is needed now (a preview alone waits for the regular pull, as
   * before); false when the device missed a range and should pull. An event filtered for another
   * scope (the subscription changed since the stream opened) is only a nudge.
   */
  /** When an event last moved this device's token or found it current (epoch ms); null: none yet (sync-core's intervalSyncDue). */
  get liveAt(): number | null {
    return this.lastLiveAt;
  }

  async applyLiveEvent(event: SyncEvent): Promise<boolean> {
    const range = event.range;
    const ownScope = (event.scope ?? "") === scopeKey(await this.subscription());
    const shown = ownScope ? [...(range?.changes ?? []), ...(event.changes ?? [])] : [];
    if (shown.length > 0) await this.store.applyServerChanges(shown);
    const caughtUp = range ? await this.advanceThrough(ownScope ? range : { from: range.from, to: range.to }) : false;
    // The pull that follows names the range, so the server may answer it with a page it shares.
    if (range && !caughtUp) this.reach = range.to;
    if (caughtUp) this.lastLiveAt = Date.now();
    return caughtUp || (ownScope && event.changes !== undefined);
  }

  /** Under the sync lock, so a pull or push in flight never sees its token moved under it. */
  private advanceThrough(range: NonNullable<SyncEvent["range"]>): Promise<boolean> {
    return withLock(this.lockName, async () => {
      const step = rangeStep(await this.store.getSyncPosition(), range);
      if (step === "skip") return true;
      if (step !== "advance" || !range.changes || !range.syncToken) return false;
      await this.store.applyServerPage({ changes: range.changes, syncToken: range.syncToken, position: range.to, evict: range.evict ?? [] });
      return true;
    });
  }

  private async cycle(): Promise<SyncReport> {
    // A newer app build on an older store: its queued changes in this build's shape first.
    await upgradeLocalData(this.options.db);
    const session = await this.store.getSession();
    if (!session || (Date.parse(session.expiresAt) <= Date.now() && !session.refreshToken)) {
      const error = new ApiError(401, "UNAUTHORIZED", "Your session has ended: log in again");
      await this.store.patchSyncState({ phase: "unauthorized", lastError: { code: error.code, message: error.message } });
      throw error;
    }
    await this.store.patchSyncState({ phase: "syncing" });
    const report = emptyReport();
    try {
      // A device the server does not know (e.g. a reset database) registers on its first sync.
      await this.exchange(session, report);
      await this.store.patchSyncState({
        phase: "idle",
        lastSyncAt: new Date().toISOString(),
        lastError: null,
        failures: 0,
        nextRetryAt: null,
        progress: null,
      });
      return report;
    } catch (error) {
      const { failures } = await this.store.syncState();
      const code = error instanceof ApiError ? error.code : error instanceof NetworkError ? "NETWORK" : "ERROR";
      await this.store.patchSyncState({
        phase: phaseOf(error),
        lastError: { code, message: error instanceof Error ? error.message : String(error) },
        failures: failures + 1,
        progress: null,
      });
      if (error instanceof ApiError && error.status === 401) await this.store.clearSession();
      throw error;
    }
  }

  /**
   * One cycle's steps: the initial snapshot if this device has none, open conflicts, then every
   * queued batch pushed (each answered with its own results only), then others' changes pulled.
   * The device's own writes never wait behind a backlog of others' data.
   */
  private async exchange(session: Session, report: SyncReport): Promise<void> {
    const deviceId = await this.ensureDevice(session);
    if ((await this.store.getSyncToken()) === null) await this.pull(deviceId, undefined, report);
    await this.refreshConflicts();
    if (await this.pushAll(deviceId, report)) await this.pull(deviceId, (await this.store.getSyncToken())!, report);
  }

  /**
   * The organization's open conflicts (the server's first page, for the Conflicts screen) plus
   * the state of every conflict this device's own changes wait on, asked by id: the list alone
   * is paged, so a conflict missing from it says nothing about whether it was resolved.
   */
  private async refreshConflicts(): Promise<void> {
    const open = await this.api.listConflicts();
    const listed = new Set(open.map((conflict) => conflict.id));
    const unlisted = (await this.store.awaitedConflictIds()).filter((id) => !listed.has(id));
    const own: LookupConflictsResponse["conflicts"] = [];
    for (let i = 0; i < unlisted.length; i += limits.maxConflictLookup) {
      own.push(...(await this.api.lookupConflicts(unlisted.slice(i, i + limits.maxConflictLookup))));
    }
    await this.store.replaceConflicts(open, own);
  }

  /**
   * Pulls delta pages until the server has nothing more; without a token, the initial snapshot.
   * The device's own applied changes are never rolled back: the server leaves them out of its
   * pages, and an older version of an entity never replaces a newer one in the replica.
   */
  private async pull(deviceId: string, pageToken: string | undefined, report: SyncReport): Promise<void> {
    const initial = pageToken === undefined;
    for (;;) {
      const reach = this.reach;
      const page = await this.api.delta({
        deviceId,
        pageSize: this.options.pageSize ?? defaultPullPageSize,
        ...(pageToken === undefined ? {} : { pageToken }),
        ...(reach !== null && pageToken !== undefined && { reach }),
      });
      if (reach !== null && this.reach === reach && !page.hasMore) this.reach = null;
      report.received += await this.store.applyServerPage(page);
      if (page.progress) await this.store.patchSyncState({ progress: page.progress });
      pageToken = page.nextPageToken;
      if (!page.hasMore) break;
    }
    if (initial) await this.store.patchSyncState({ initialSyncDone: true, progress: null });
  }

  /**
   * Pushes the outbox in batches. A change that can never be accepted is marked failed and the
   * rest go on: invalid ones before sending; ones the server names in a VALIDATION_FAILED; and
   * when it refuses a batch without naming a change, the batch is halved until the offending
   * change is alone (a refused batch writes nothing, so re-sending its other changes is safe).
   * Each push asks for its own results only (`pull: false`): others' changes come with the pull
   * that follows. Returns whether the last answer says more is waiting (false: the device was at
   * the head).
   */
  private async pushAll(deviceId: string, report: SyncReport): Promise<boolean> {
    const batchSize = this.options.pushBatchSize ?? 100;
    let limit = batchSize;
    // Changes the server queued are asked about again in a later cycle, not in a tight loop.
    const queued = new Set<number>();
    // Always push once, even with nothing queued: the answer moves a device that is at the head,
    // records its sync (the Health screen counts it) and tells an outdated build to update.
    for (let behind = false, pushed = false; ; ) {
      const claimed = await this.store.claimBatch(limit, queued);
      if (claimed.length === 0 && pushed) return behind;
      const { sendable, failed } = await checkedChanges(claimed);
      await this.fail(failed, report);
      if (sendable.length === 0 && claimed.length > 0) continue;
      const batch = sendable.map(({ entry }) => entry);
      let response;
      try {
        response = await this.api.push({
          deviceId,
          ...(this.options.deviceName ? { deviceName: this.options.deviceName } : {}),
          syncToken: await this.store.getSyncToken(),
          // The shape this build writes; the server upgrades it if it is older than its own.
          schemaVersion,
          changes: sendable.map(({ change }) => change),
          pull: false,
        });
      } catch (error) {
        const named = error instanceof ApiError ? entriesNamedBy(batch, error) : [];
        if (named.length > 0) await this.fail(named, report);
        else if (isUnpinnedRefusal(error) && batch.length === 1) {
          await this.fail([{ entry: batch[0]!, error: { code: error.code, message: error.message } }], report);
          limit = batchSize;
        } else if (isUnpinnedRefusal(error) && batch.length > 1) limit = Math.ceil(batch.length / 2);
        else throw error;
        continue;
      }
      pushed = true;
      report.pushed += batch.length;
      report.received += await this.store.applyPushResults(batch, response);
      for (const result of response.results) {
        if (result.duplicate) report.duplicates++;
        if (result.status === "applied") report.applied++;
        else if (result.status === "conflict") report.conflicts++;
        else if (result.status === "queued") {
          report.queued++;
          const entry = batch[result.index];
          if (entry) queued.add(entry.seq!);
        } else report.rejected++;
      }
      behind = response.hasMore;
      if (batch.length === 0) return behind;
    }
  }

  private async fail(failed: Parameters<LocalStore["failEntries"]>[0], report: SyncReport): Promise<void> {
    if (failed.length === 0) return;
    await this.store.failEntries(failed);
    report.failed += failed.length;
  }

  /**
   * Resolves a conflict on the server and stores the outcome. MERGE takes `mergedData` (fields
   * not named are merged three-way by the server); MANUAL leaves it open. Needs the network.
   */
  async resolveConflict(
    conflictId: string,
    resolution: ConflictResolution,
    mergedData?: EntityData,
  ): Promise<ResolveConflictResponse> {
    try {
      const response = await this.api.resolveConflict({ conflictId, resolution, ...(mergedData ? { mergedData } : {}) });
      await this.store.applyResolution(response.conflict, response.change);
      return response;
    } catch (error) {
      if (error instanceof ApiError && (error.code === "CONFLICT_ALREADY_RESOLVED" || error.code === "CONFLICT_STALE")) {
        // Someone was faster or the entity moved on: show the server's current list.
        await this.refreshConflicts();
      }
      throw error;
    }
  }
}
