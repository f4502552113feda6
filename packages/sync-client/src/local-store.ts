import {
  type Conflict,
  type EntityData,
  type EntityRef,
  type EntityType,
  type LoginResponse,
  type LookupConflictsResponse,
  type PushResponse,
  type ServerChange,
  type SyncOperation,
  errorCodes,
  getEntity,
} from "@fieldsync/schema";
import { collapse } from "./collapse.ts";
import type { LocalDb, LocalEntity, OutboxEntry } from "./local-db.ts";
import { assetIdOf, project } from "./projection.ts";

/** An edit the entity schema refuses; `issues` carry field paths for the form. */
export class LocalValidationError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((issue) => `${issue.path || "(entity)"}: ${issue.message}`).join("; "));
    this.name = "LocalValidationError";
  }
}

/** A login of one user offered to another user's store; `owner` is the store's user. */
export class StoreOwnedByAnotherUser extends Error {
  constructor(readonly owner: string) {
    super("This local store belongs to another user");
    this.name = "StoreOwnedByAnotherUser";
  }
}

export interface Session {
  token: string;
  /** ISO time the access token stops working. */
  expiresAt: string;
  /** Single-use: exchanged for a new pair when the access token expires. */
  refreshToken: string | null;
  user: LoginResponse["user"];
}

export const toSession = (response: LoginResponse, now = Date.now()): Session => ({
  token: response.token,
  expiresAt: new Date(now + response.expiresIn * 1000).toISOString(),
  refreshToken: response.refreshToken,
  user: response.user,
});

/** A page of server changes as delta (and, partly, push) answers carry it. */
export interface ServerPage {
  changes: readonly ServerChange[];
  syncToken?: string;
  resetRequired?: boolean;
  evict?: readonly EntityRef[];
}

export type SyncPhase = "idle" | "syncing" | "offline" | "error" | "unauthorized" | "revoked";

/** Shared through IndexedDB so every tab and the service worker show the same sync status. */
export interface SyncState {
  phase: SyncPhase;
  lastSyncAt: string | null;
  lastError: { code: string; message: string } | null;
  /** Consecutive failed cycles (drives the backoff). */
  failures: number;
  nextRetryAt: string | null;
  /** While the initial sync runs: entities received so far of all. */
  progress: { sent: number; total: number } | null;
  initialSyncDone: boolean;
}

/** A device id of this browser profile: random, so nobody can guess another user's. */
export const newDeviceId = () => `web-${crypto.randomUUID()}`;

export interface DeviceIdentity {
  deviceId: string;
  /** The user the server has this device registered for; null until registered. */
  registeredFor: string | null;
}

const initialState: SyncState = {
  phase: "idle",
  lastSyncAt: null,
  lastError: null,
  failures: 0,
  nextRetryAt: null,
  progress: null,
  initialSyncDone: false,
};

type Key = [EntityType, string];

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }) {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** Entity schema's output without absent keys: trimmed text, validated enums. */
function normalize(type: EntityType, operation: "CREATE" | "UPDATE", input: Record<string, unknown>): EntityData {
  const schema = getEntity(type).schema;
  const result = (operation === "CREATE" ? schema : schema.partial()).safeParse(input);
  if (!result.success) throw new LocalValidationError(issuesOf(result.error));
  return Object.fromEntries(Object.entries(result.data).filter(([, value]) => value !== undefined));
}

/**
 * The device's data and outbox. Every method is one IndexedDB transaction, so a tab, another tab
 * and the service worker can use the same store concurrently without losing an edit.
 */
export class LocalStore {
  constructor(readonly db: LocalDb) {}

  // ---- local edits (optimistic: visible at once, queued for the server) ----

  /** Creates an entity with a client-generated id. Throws LocalValidationError. */
  async create(type: EntityType, input: Record<string, unknown>): Promise<string> {
    const payload = normalize(type, "CREATE", input);
    const id = crypto.randomUUID();
    await this.enqueue(type, id, "CREATE", payload);
    return id;
  }

  /** Changes some fields (null clears one). Returns false when nothing actually changed. */
  async update(type: EntityType, id: string, patch: Record<string, unknown>): Promise<boolean> {
    const normalized = normalize(type, "UPDATE", patch);
    return this.db.transaction("rw", [this.db.entities, this.db.outbox], async () => {
      const current = (await this.db.entities.get([type, id]))?.data;
      if (!current) throw new Error(`${type} ${id} does not exist here`);
      const changed = Object.fromEntries(
        Object.entries(normalized).filter(([field, value]) => JSON.stringify(current[field] ?? null) !== JSON.stringify(value)),
      );
      if (Object.keys(changed).length === 0) return false;
      await this.enqueue(type, id, "UPDATE", changed);
      return true;
    });
  }

  async remove(type: EntityType, id: string): Promise<void> {
    await this.enqueue(type, id, "DELETE", {});
  }

  private enqueue(type: EntityType, id: string, operation: SyncOperation, payload: EntityData): Promise<void> {
    return this.db.transaction("rw", [this.db.entities, this.db.outbox], async () => {
      const row = await this.db.entities.get([type, id]);
      const exists = row?.data != null;
      if (operation === "CREATE" ? exists || row !== undefined : !exists) {
        throw new Error(operation === "CREATE" ? `${type} ${id} already exists` : `${type} ${id} does not exist here`);
      }
      const timestamp = new Date().toISOString();
      const queue = await this.queueOf(type, id);
      const outcome = collapse(queue.at(-1), operation, payload, timestamp);
      if (outcome.kind === "replace") await this.db.outbox.put(outcome.entry);
      else if (outcome.kind === "drop") await this.db.outbox.delete(queue.at(-1)!.seq!);
      else {
        await this.db.outbox.add({
          changeId: crypto.randomUUID(),
          entityType: type,
          entityId: id,
          operation,
          payload,
          // A later acknowledgement of an earlier queued change moves this to the version it produced.
          baseVersion: operation === "CREATE" ? 0 : (row?.version ?? 0),
          timestamp,
          status: "pending",
          attempts: 0,
          conflictId: null,
          error: null,
        });
      }
      await this.refresh(type, id);
    });
  }

  // ---- reads ----

  get(type: EntityType, id: string): Promise<LocalEntity | undefined> {
    return this.db.entities.get([type, id]);
  }

  /** Live (not deleted) entities of a type, in no particular order. */
  list(type: EntityType): Promise<LocalEntity[]> {
    return this.db.entities.where("type").equals(type).filter((row) => row.deleted === 0).toArray();
  }

  /** Tasks or schedules of one asset. */
  async childrenOf(type: Exclude<EntityType, "asset">, assetId: string): Promise<LocalEntity[]> {
    const rows = await this.db.entities.where("assetId").equals(assetId).toArray();
    return rows.filter((row) => row.type === type && row.deleted === 0);
  }

  /** Outbox in push order. */
  outbox(): Promise<OutboxEntry[]> {
    return this.db.outbox.orderBy("seq").toArray();
  }

  queueOf(type: EntityType, id: string): Promise<OutboxEntry[]> {
    return this.db.outbox.where("[entityType+entityId]").equals([type, id]).sortBy("seq");
  }

  conflicts(): Promise<Conflict[]> {
    return this.db.conflicts.orderBy("id").toArray();
  }

  // ---- applying the server's answers ----

  /** Recomputes an entity's row from its server copy and its queued changes. */
  private async refresh(type: EntityType, id: string): Promise<void> {
    const row = await this.db.entities.get([type, id]);
    const queue = await this.queueOf(type, id);
    const serverData = row?.serverData ?? null;
    const version = row?.version ?? 0;
    if (version === 0 && queue.length === 0) {
      // Created and deleted here before the server saw it: nothing left to remember.
      if (row) await this.db.entities.delete([type, id]);
      return;
    }
    const data = project(type, serverData, queue);
    await this.db.entities.put({
      type,
      id,
      data,
      serverData,
      version,
      pending: queue.length > 0 ? 1 : 0,
      deleted: data === null ? 1 : 0,
      assetId: assetIdOf(type, data ?? serverData),
      updatedAt: new Date().toISOString(),
    });
  }

  /**
   * Stores a pulled page: server changes whose version is newer than ours (tombstones too), the
   * evictions, and the cursor it was read up to, in one transaction so a crash cannot skip or
   * lose a page. With `resetRequired` the server restarted this device from a snapshot: local
   * copies are dropped first (the outbox stays: its changes are still the user's work).
   * Returns how many changes were newer.
   */
  async applyServerPage(page: ServerPage): Promise<number> {
    return this.db.transaction("rw", [this.db.entities, this.db.outbox, this.db.conflicts, this.db.meta], async () => {
      if (page.resetRequired) await this.dropServerCopies();
      const applied = await this.applyChangesInTx(page.changes);
      await this.evictInTx(page.evict ?? []);
      if (page.resetRequired) await this.reprojectOutbox();
      if (page.syncToken !== undefined) await this.setSyncToken(page.syncToken);
      return applied;
    });
  }

  /** Server changes alone (no cursor): see applyServerPage. */
  applyServerChanges(changes: readonly ServerChange[]): Promise<number> {
    return this.applyServerPage({ changes });
  }

  /** Forgets entities the server says this device no longer keeps (see evictInTx). */
  async evict(refs: readonly EntityRef[]): Promise<void> {
    await this.db.transaction("rw", [this.db.entities, this.db.outbox], () => this.evictInTx(refs));
  }

  /**
   * Entities that left this device's subscription: forgotten, unless changes of theirs are still
   * queued (those still sync; the server decides what becomes of them).
   */
  private async evictInTx(refs: readonly EntityRef[]): Promise<void> {
    for (const ref of refs) {
      if ((await this.queueOf(ref.entityType, ref.entityId)).length === 0) {
        await this.db.entities.delete([ref.entityType, ref.entityId]);
      }
    }
  }

  private async dropServerCopies(): Promise<void> {
    await this.db.entities.clear();
    await this.db.conflicts.clear();
  }

  /** Entities with queued changes the snapshot has not (yet) brought, e.g. unsynced creates. */
  private async reprojectOutbox(): Promise<void> {
    const keys = new Map<string, [EntityType, string]>();
    await this.db.outbox.each((entry) => keys.set(`${entry.entityType}:${entry.entityId}`, [entry.entityType, entry.entityId]));
    for (const [type, id] of keys.values()) await this.refresh(type, id);
  }

  /**
   * Stores the changes newer than what this device has, set-wise: one bulkGet, one outbox query,
   * one bulkPut per page (per row get/put/refresh made a 1000-change page ~15× slower than raw
   * IndexedDB). Pages may carry several versions of an entity in any order; the newest wins and
   * versions never go back. Returns how many changes were newer, counted in page order.
   */
  private async applyChangesInTx(changes: readonly ServerChange[]): Promise<number> {
    const newest = new Map<string, ServerChange>();
    for (const change of changes) {
      const key = `${change.entityType}:${change.entityId}`;
      if (change.clientVersion > (newest.get(key)?.clientVersion ?? 0)) newest.set(key, change);
    }
    const candidates = [...newest.values()];
    const rows = await this.db.entities.bulkGet(candidates.map((c): Key => [c.entityType, c.entityId]));
    const stored = new Map(candidates.map((c, i) => [`${c.entityType}:${c.entityId}`, rows[i]?.version ?? 0]));
    let applied = 0;
    const current = new Map(stored);
    for (const change of changes) {
      const key = `${change.entityType}:${change.entityId}`;
      if (change.clientVersion <= current.get(key)!) continue;
      current.set(key, change.clientVersion);
      applied++;
    }
    const fresh = candidates.filter((c) => c.clientVersion > stored.get(`${c.entityType}:${c.entityId}`)!);
    if (fresh.length === 0) return applied;
    const queues = await this.queuesOf(fresh.map((c): Key => [c.entityType, c.entityId]));
    const updatedAt = new Date().toISOString();
    await this.db.entities.bulkPut(
      fresh.map((change) => {
        const serverData = change.operation === "DELETE" ? null : change.payload;
        const queue = queues.get(`${change.entityType}:${change.entityId}`) ?? [];
        const data = project(change.entityType, serverData, queue);
        return {
          type: change.entityType,
          id: change.entityId,
          data,
          serverData,
          version: change.clientVersion,
          pending: queue.length > 0 ? 1 : 0,
          deleted: data === null ? 1 : 0,
          assetId: assetIdOf(change.entityType, data ?? serverData),
          updatedAt,
        };
      }),
    );
    return applied;
  }

  /** Queued changes of many entities, each entity's in push order. */
  private async queuesOf(keys: readonly Key[]): Promise<Map<string, OutboxEntry[]>> {
    const entries = await this.db.outbox.where("[entityType+entityId]").anyOf(keys as Key[]).sortBy("seq");
    const queues = new Map<string, OutboxEntry[]>();
    for (const entry of entries) {
      const key = `${entry.entityType}:${entry.entityId}`;
      const queue = queues.get(key);
      if (queue) queue.push(entry);
      else queues.set(key, [entry]);
    }
    return queues;
  }

  /**
   * Picks the next changes to push and marks them sent, in one transaction so no edit can be
   * folded into a change that is on its way. One change per entity per batch (the next one's
   * base is the version this one produces); an entity whose oldest change waits on a conflict or
   * failed is held back entirely, so its later edits are not applied out of order. `skip` holds
   * back changes already sent in this cycle (e.g. queued by the server for background work).
   */
  claimBatch(limit: number, skip: ReadonlySet<number> = new Set()): Promise<OutboxEntry[]> {
    return this.db.transaction("rw", this.db.outbox, async () => {
      const seen = new Set<string>();
      const batch: OutboxEntry[] = [];
      await this.db.outbox.orderBy("seq").until(() => batch.length >= limit).each((entry) => {
        const key = `${entry.entityType}:${entry.entityId}`;
        if (seen.has(key)) return;
        seen.add(key);
        if (entry.status === "pending" && !skip.has(entry.seq!)) batch.push({ ...entry, attempts: entry.attempts + 1 });
      });
      await this.db.outbox.bulkPut(batch);
      return batch;
    });
  }

  /**
   * Applies a push response in one transaction: other devices' changes first (so an acknowledged
   * merge finds the merged copy), then each result to its outbox entry, new conflicts, the cursor.
   * A `queued` change stays pending and frozen: pushing it again under its changeId later returns
   * its outcome. Returns how many server changes were newer than ours.
   */
  async applyPushResults(batch: readonly OutboxEntry[], response: PushResponse): Promise<number> {
    const tables = [this.db.entities, this.db.outbox, this.db.conflicts, this.db.meta];
    return this.db.transaction("rw", tables, async () => {
      if (response.resetRequired) await this.dropServerCopies();
      const received = await this.applyChangesInTx(response.changes);
      for (const result of response.results) {
        const sent = batch[result.index];
        if (!sent || sent.entityId !== result.entityId) continue;
        const entry = await this.db.outbox.get(sent.seq!);
        if (!entry || result.status === "queued") continue;
        if (result.status === "applied") await this.acknowledge(entry, result.version);
        else if (result.status === "conflict") {
          await this.db.outbox.put({ ...entry, status: "conflict", conflictId: result.conflictId, error: null });
        } else {
          await this.db.outbox.put({ ...entry, status: "failed", error: { code: result.code, message: result.message } });
        }
      }
      if (response.conflicts.length > 0) await this.db.conflicts.bulkPut(response.conflicts);
      await this.evictInTx(response.evict ?? []);
      if (response.resetRequired) await this.reprojectOutbox();
      await this.setSyncToken(response.syncToken);
      return received;
    });
  }

  /** The server holds `entry` at `version`: fold it into the server copy, drop it, rebase what follows. */
  private async acknowledge(entry: OutboxEntry, version: number): Promise<void> {
    const key: Key = [entry.entityType, entry.entityId];
    await this.db.outbox.delete(entry.seq!);
    const row = await this.db.entities.get(key);
    // A newer server copy (a merge, another device) may already be here from `changes`: keep it.
    if (row && version > row.version) {
      await this.db.entities.put({ ...row, serverData: project(entry.entityType, row.serverData, [entry]), version });
    } else if (!row && entry.operation === "CREATE") {
      // The row is gone when a reset dropped local copies in this same response; a CREATE is whole.
      const serverData = project(entry.entityType, null, [entry]);
      await this.db.entities.put({
        type: entry.entityType,
        id: entry.entityId,
        data: serverData,
        serverData,
        version,
        pending: 0,
        deleted: 0,
        assetId: assetIdOf(entry.entityType, serverData),
        updatedAt: new Date().toISOString(),
      });
    }
    await this.rebase(entry.entityType, entry.entityId, version);
    await this.refresh(entry.entityType, entry.entityId);
  }

  /** Later unsent changes were made on top of the acknowledged one: their base is its version now. */
  private async rebase(type: EntityType, id: string, version: number): Promise<void> {
    for (const later of await this.queueOf(type, id)) {
      if (later.attempts === 0 && later.operation !== "CREATE") await this.db.outbox.put({ ...later, baseVersion: version });
    }
  }

  /** Marks changes that can never be accepted as failed (with why), so the rest can go. */
  async failEntries(failed: readonly { entry: OutboxEntry; error: { code: string; message: string } }[]): Promise<void> {
    await this.db.transaction("rw", this.db.outbox, async () => {
      for (const { entry, error } of failed) {
        const current = await this.db.outbox.get(entry.seq!);
        if (current) await this.db.outbox.put({ ...current, status: "failed", error });
      }
    });
  }

  /** Conflicts this device's queued changes wait on. */
  async awaitedConflictIds(): Promise<string[]> {
    const waiting = await this.db.outbox.where("status").equals("conflict").toArray();
    return [...new Set(waiting.flatMap((entry) => (entry.conflictId ? [entry.conflictId] : [])))];
  }

  /**
   * Replaces the known open conflicts with the server's list and the looked-up state of this
   * device's own conflicts (`own`). A change waits until its own conflict is known resolved (then
   * it is dropped: the resolution arrives as a server change with the next pull). A conflict the
   * server does not know (e.g. its database was reset) fails the change, which the user can
   * retry or discard. A change whose conflict was not asked about stays as it is.
   */
  async replaceConflicts(open: readonly Conflict[], own: LookupConflictsResponse["conflicts"]): Promise<void> {
    await this.db.transaction("rw", [this.db.entities, this.db.outbox, this.db.conflicts], async () => {
      await this.db.conflicts.clear();
      const ownOpen = own.flatMap((lookup) => (lookup.status === "open" && lookup.conflict ? [lookup.conflict] : []));
      await this.db.conflicts.bulkPut([...open, ...ownOpen]);
      const statusOf = new Map(own.map((lookup) => [lookup.conflictId, lookup.status]));
      const settled = await this.db.outbox
        .where("status")
        .equals("conflict")
        .filter((entry) => entry.conflictId !== null && (statusOf.get(entry.conflictId) ?? "open") !== "open")
        .toArray();
      for (const entry of settled) {
        if (statusOf.get(entry.conflictId!) === "resolved") {
          await this.db.outbox.delete(entry.seq!);
          await this.refresh(entry.entityType, entry.entityId);
        } else {
          const error = { code: errorCodes.NOT_FOUND, message: "The server no longer knows the conflict this change waited on; retry or discard it" };
          await this.db.outbox.put({ ...entry, status: "failed", conflictId: null, error });
        }
      }
    });
  }

  /** After POST /api/sync/conflicts/resolve: the conflict is closed and `change` is the outcome. */
  async applyResolution(conflict: Conflict, change: ServerChange | null): Promise<void> {
    await this.db.transaction("rw", [this.db.entities, this.db.outbox, this.db.conflicts], async () => {
      if (conflict.resolvedAt === null) {
        await this.db.conflicts.put(conflict);
        return;
      }
      await this.db.conflicts.delete(conflict.id);
      const waiting = await this.db.outbox.filter((entry) => entry.conflictId === conflict.id).toArray();
      await this.db.outbox.bulkDelete(waiting.map((entry) => entry.seq!));
      if (change) {
        await this.applyChangesInTx([change]);
        await this.rebase(change.entityType, change.entityId, change.clientVersion);
      }
      await this.refresh(conflict.entityType, conflict.entityId);
    });
  }

  /**
   * Sends a failed change again. It gets a new changeId, because the server replays its stored
   * rejection for the old one, and the entity's current version as base.
   */
  async retry(seq: number): Promise<void> {
    await this.db.transaction("rw", [this.db.entities, this.db.outbox], async () => {
      const entry = await this.db.outbox.get(seq);
      if (!entry || entry.status !== "failed") return;
      const row = await this.db.entities.get([entry.entityType, entry.entityId]);
      await this.db.outbox.put({
        ...entry,
        changeId: crypto.randomUUID(),
        baseVersion: entry.operation === "CREATE" ? 0 : (row?.version ?? 0),
        status: "pending",
        attempts: 0,
        error: null,
      });
    });
  }

  /** Gives up a failed change: the entity shows the server's copy again. */
  async discard(seq: number): Promise<void> {
    await this.db.transaction("rw", [this.db.entities, this.db.outbox], async () => {
      const entry = await this.db.outbox.get(seq);
      if (!entry || entry.status !== "failed") return;
      await this.db.outbox.delete(seq);
      await this.refresh(entry.entityType, entry.entityId);
    });
  }

  // ---- session, device and sync state (the `meta` table) ----

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.meta.get(key))?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.meta.put({ key, value });
  }

  getSession(): Promise<Session | undefined> {
    return this.getMeta<Session>("session");
  }

  /** The user this store belongs to (the first to log in with it); undefined while nobody has. */
  owner(): Promise<string | undefined> {
    return this.getMeta<string>("userId");
  }

  /**
   * Stores a login. A store holds one user's data for good (see Accounts): another user's login
   * is refused with StoreOwnedByAnotherUser, and nothing here is touched.
   */
  async setSession(session: Session): Promise<void> {
    await this.db.transaction("rw", this.db.meta, async () => {
      const owner = await this.owner();
      if (owner !== undefined && owner !== session.user.id) throw new StoreOwnedByAnotherUser(owner);
      await this.setMeta("session", session);
      await this.setMeta("userId", session.user.id);
    });
  }

  /** Forgets the token; data and outbox stay for the same user's next login. */
  async clearSession(): Promise<void> {
    await this.db.meta.delete("session");
  }

  /** This browser profile's device id, created on first use (newDeviceId). */
  device(): Promise<DeviceIdentity> {
    return this.db.transaction("rw", this.db.meta, async () => {
      const existing = await this.getMeta<DeviceIdentity>("device");
      if (existing) return existing;
      const created: DeviceIdentity = { deviceId: newDeviceId(), registeredFor: null };
      await this.setMeta("device", created);
      return created;
    });
  }

  async setDevice(device: DeviceIdentity): Promise<void> {
    await this.setMeta("device", device);
  }

  async getSyncToken(): Promise<string | null> {
    return (await this.getMeta<string>("syncToken")) ?? null;
  }

  async setSyncToken(token: string): Promise<void> {
    await this.setMeta("syncToken", token);
  }

  async syncState(): Promise<SyncState> {
    return { ...initialState, ...(await this.getMeta<Partial<SyncState>>("syncState")) };
  }

  async patchSyncState(patch: Partial<SyncState>): Promise<SyncState> {
    return this.db.transaction("rw", this.db.meta, async () => {
      const next = { ...(await this.syncState()), ...patch };
      await this.setMeta("syncState", next);
      return next;
    });
  }
}
