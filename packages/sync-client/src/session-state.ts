import type { LoginResponse } from "@fieldsync/schema";
import type { LocalDb } from "./local-db.ts";

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

/** `busy`: the server refused the push or pull for now (503 SERVER_BUSY) and said when to come back. */
/**
 * `updateNeeded`: the server refused this build's schema version as too old
 * (SCHEMA_VERSION_TOO_OLD). Pushing stops with the outbox as it is; the app updates itself, and
 * the new build pushes the same changes.
 */
export type SyncPhase = "idle" | "syncing" | "offline" | "busy" | "error" | "unauthorized" | "revoked" | "updateNeeded";

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

// Session, device and sync state live in the `meta` table, one row per key.

export async function getMeta<T>(db: LocalDb, key: string): Promise<T | undefined> {
  return (await db.meta.get(key))?.value as T | undefined;
}

export async function setMeta(db: LocalDb, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}

export const getSession = (db: LocalDb) => getMeta<Session>(db, "session");

/** The user a store belongs to (the first to log in with it); undefined while nobody has. */
export const owner = (db: LocalDb) => getMeta<string>(db, "userId");

/**
 * Stores a login. A store holds one user's data for good (see Accounts): another user's login
 * is refused with StoreOwnedByAnotherUser, and nothing here is touched.
 */
export function setSession(db: LocalDb, session: Session): Promise<void> {
  return db.transaction("rw", db.meta, async () => {
    const current = await owner(db);
    if (current !== undefined && current !== session.user.id) throw new StoreOwnedByAnotherUser(current);
    await setMeta(db, "session", session);
    await setMeta(db, "userId", session.user.id);
  });
}

/** Forgets the token; data and outbox stay for the same user's next login. */
export async function clearSession(db: LocalDb): Promise<void> {
  await db.meta.delete("session");
}

/** This browser profile's device id, created on first use (newDeviceId). */
export function device(db: LocalDb): Promise<DeviceIdentity> {
  return db.transaction("rw", db.meta, async () => {
    const existing = await getMeta<DeviceIdentity>(db, "device");
    if (existing) return existing;
    const created: DeviceIdentity = { deviceId: newDeviceId(), registeredFor: null };
    await setMeta(db, "device", created);
    return created;
  });
}

export const setDevice = (db: LocalDb, identity: DeviceIdentity) => setMeta(db, "device", identity);

export async function getSyncToken(db: LocalDb): Promise<string | null> {
  return (await getMeta<string>(db, "syncToken")) ?? null;
}

/** Stores the token with its log position (null: unknown, e.g. mid-snapshot), which live events are matched against. */
export async function setSyncToken(db: LocalDb, token: string, position: string | null): Promise<void> {
  await setMeta(db, "syncToken", token);
  await setMeta(db, "syncPosition", position);
}

export async function getSyncPosition(db: LocalDb): Promise<string | null> {
  return (await getMeta<string | null>(db, "syncPosition")) ?? null;
}

export async function syncState(db: LocalDb): Promise<SyncState> {
  return { ...initialState, ...(await getMeta<Partial<SyncState>>(db, "syncState")) };
}

export function patchSyncState(db: LocalDb, patch: Partial<SyncState>): Promise<SyncState> {
  return db.transaction("rw", db.meta, async () => {
    const next = { ...(await syncState(db)), ...patch };
    await setMeta(db, "syncState", next);
    return next;
  });
}
