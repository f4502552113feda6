import type { Conflict, EntityRef, EntityType, LookupConflictsResponse, PushResponse, ServerChange } from "@fieldsync/schema";
import type { OutboxEntry } from "@fieldsync/sync-core";
import type { LocalDb } from "./local-db.ts";
import * as outboxStore from "./outbox-store.ts";
import * as reads from "./replica-reads.ts";
import { queueOf } from "./replica-rows.ts";
import * as answers from "./server-answers.ts";
import { lastVerification } from "./replica-verify.ts";
import * as session from "./session-state.ts";

/**
 * The device's data and outbox, one object for the app, the service worker and the sync engine.
 * Every method is one IndexedDB transaction, so a tab, another tab and the service worker can use
 * the same store concurrently without losing an edit. The rules live in sync-core's replica model;
 * the modules behind this only load, call them, and write: local edits and the outbox
 * (outbox-store.ts), reads (replica-reads.ts), the server's answers (server-answers.ts), and
 * session, device and sync state (session-state.ts).
 */
export class LocalStore {
  constructor(readonly db: LocalDb) {}

  create = (type: EntityType, input: Record<string, unknown>) => outboxStore.create(this.db, type, input);
  update = (type: EntityType, id: string, patch: Record<string, unknown>) => outboxStore.update(this.db, type, id, patch);
  remove = (type: EntityType, id: string) => outboxStore.remove(this.db, type, id);
  claimBatch = (limit: number, skip?: ReadonlySet<number>) => outboxStore.claimBatch(this.db, limit, skip);
  failEntries = (failed: Parameters<typeof outboxStore.failEntries>[1]) => outboxStore.failEntries(this.db, failed);
  awaitedConflictIds = () => outboxStore.awaitedConflictIds(this.db);
  retry = (seq: number) => outboxStore.retry(this.db, seq);
  discard = (seq: number) => outboxStore.discard(this.db, seq);

  get = (type: EntityType, id: string) => reads.get(this.db, type, id);
  list = (type: EntityType) => reads.list(this.db, type);
  childrenOf = (type: EntityType, parentId: string) => reads.childrenOf(this.db, type, parentId);
  outbox = () => reads.outbox(this.db);
  unsettled = () => reads.unsettled(this.db);
  queueOf = (type: EntityType, id: string) => queueOf(this.db, type, id);
  conflicts = () => reads.conflicts(this.db);

  applyServerPage = (page: answers.ServerPage) => answers.applyServerPage(this.db, page);
  /** Server changes alone (no cursor): see applyServerPage. */
  applyServerChanges = (changes: readonly ServerChange[]) => answers.applyServerPage(this.db, { changes });
  evict = (refs: readonly EntityRef[]) => answers.evict(this.db, refs);
  applyPushResults = (batch: readonly OutboxEntry[], response: PushResponse) => answers.applyPushResults(this.db, batch, response);
  replaceConflicts = (open: readonly Conflict[], own: LookupConflictsResponse["conflicts"]) => answers.replaceConflicts(this.db, open, own);
  applyResolution = (conflict: Conflict, change: ServerChange | null) => answers.applyResolution(this.db, conflict, change);

  getMeta = <T>(key: string) => session.getMeta<T>(this.db, key);
  setMeta = (key: string, value: unknown) => session.setMeta(this.db, key, value);
  getSession = () => session.getSession(this.db);
  owner = () => session.owner(this.db);
  setSession = (value: session.Session) => session.setSession(this.db, value);
  clearSession = () => session.clearSession(this.db);
  device = () => session.device(this.db);
  setDevice = (identity: session.DeviceIdentity) => session.setDevice(this.db, identity);
  getSyncToken = () => session.getSyncToken(this.db);
  getSyncPosition = () => session.getSyncPosition(this.db);
  syncState = () => session.syncState(this.db);
  patchSyncState = (patch: Partial<session.SyncState>) => session.patchSyncState(this.db, patch);
  /** The last replica verification (verify.ts); undefined before the first. */
  verification = () => lastVerification(this.db);
}
