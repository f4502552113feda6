import type { Db } from "@fieldsync/db";
import type { ApiConfig } from "./config.ts";
import { verifyAccessToken } from "./session/jwt.ts";
import { type AuthUser, loadSessionWithSyncState } from "./session/session.ts";
import type { SessionSyncState } from "./sync/sync-state.ts";
import type { BackgroundQueue } from "./redis/background-queue.ts";
import type { ResponseCache } from "./redis/response-cache.ts";
import type { ServerChange } from "@fieldsync/schema";
import type { PullInput, RenderedPage } from "./pages.ts";
import type { PushGate } from "./push-gate.ts";

export type { AuthUser };

/** Changes just committed by one device, to preview on the organization's other devices. */
export interface LiveChanges {
  originClientId: string;
  changes: ServerChange[];
}

/** How committed changes reach live clients (realtime/notifier.ts implements it). */
export interface ChangeNotifier {
  /** Announces committed changes of the organization. Never throws: nudges are best effort. */
  publish(orgId: string, live?: LiveChanges): Promise<void>;
  /** Tells every server process to close the device's event streams. Never throws. */
  deviceRevoked(orgId: string, deviceId: string): Promise<void>;
}

/**
 * A streaming-replication hot standby (DATABASE_READ_URL) that serves delta and initial-sync
 * reads (sync/read-replica.ts); pushes and every other statement stay on the primary.
 */
export interface ReadReplica {
  db: Db;
  /** How long a pull waits for the standby to replay a token's position before the primary serves it. */
  maxWaitMs: number;
}

/** One page read for the devices nudged for the same range (realtime/shared-pages.ts). */
export interface PageSharing {
  /** The page of `input`, read by `db` or shared from an earlier read that reaches `reach`. */
  pull(db: Db, input: PullInput, reach: string | undefined): Promise<RenderedPage>;
}

/** What a process's read-ahead has done since it started (sync/read-ahead.ts). */
export interface ReadAheadStats {
  /** Pages read ahead. */
  started: number;
  /** Pulls answered by a page read ahead. */
  taken: number;
  /** Pages read ahead and dropped unasked (their device went away, or asked another node). */
  dropped: number;
  /** Pages not read ahead because the bounds were reached. */
  skipped: number;
}

/** The next page of a device's pull, read while the last one travels (sync/read-ahead.ts). */
export interface PageReadAhead {
  /** Reads `input`'s page by `read` and keeps it for the pull that will ask for it (bounded; never throws). */
  start(input: PullInput, lsn: string | undefined, read: () => Promise<{ value: RenderedPage; lsn: string | undefined }>): void;
  /** The page kept for `input` and `lsn`, handed out once. */
  take(input: PullInput, lsn: string | undefined): Promise<{ value: RenderedPage; lsn: string | undefined } | undefined>;
  stats(): ReadAheadStats;
}

export interface Deps {
  db: Db;
  /** A hot standby for delta and initial-sync reads (sync/read-replica.ts); none: the primary serves them. */
  readReplica?: ReadReplica | null;
  config: ApiConfig;
  /** The worker's job queue; null when the process runs without Redis. */
  queue: BackgroundQueue | null;
  /** Redis response cache; null without Redis. */
  cache: ResponseCache | null;
  /** Announces new changes to live clients (SSE); null when nobody listens. */
  notifier?: ChangeNotifier | null;
  /** Pages shared by devices pulling the same range after an event (realtime/shared-pages.ts); each reads its own without. */
  sharedPages?: PageSharing | null;
  /** Reads the next page of a pull that has more while this one is sent; each page is read on request without. */
  readAhead?: PageReadAhead | null;
  /** Bounds the pushes this process applies at once (push-gate.ts); ungated without one. */
  pushGate?: PushGate | null;
  /** Bounds the pulls (delta pages) this process serves at once. */
  pullGate?: PushGate | null;
  /** Where failures the API answers and goes on from are logged (the host's logger). */
  log?: { warn(details: object, message: string): void };
}

/** What the caller's access token (or stream ticket) is bound to. */
export interface AuthSession {
  /** The device it was issued for: requests naming another device are refused. */
  deviceId: string;
  /** The login session (refresh token family) behind it. */
  sessionId: string;
  /** When the access token expires (event streams end there). */
  expiresAt: Date;
}

export interface Context extends Deps {
  user: AuthUser | null;
  /** The client's address as the host sees it (login throttling); null outside HTTP. */
  ip: string | null;
  /** Set exactly when `user` is. */
  session: AuthSession | null;
  /** The token's device row and organization's horizon, read with the session (a pull plans from them). */
  syncState?: SessionSyncState | null;
}

export interface RequestMeta {
  ip?: string;
}

/**
 * Builds the request context from an Authorization header value. Pure apart from the database
 * lookup, so tests call it directly. The session is re-read on every request (loadSession): a
 * deactivated user, one moved out of the organization, a revoked device or session loses access
 * at once, whatever the token says.
 */
export async function createContextInner(deps: Deps, authorization: string | undefined, meta: RequestMeta = {}): Promise<Context> {
  const ip = meta.ip ?? null;
  const claims = authorization?.startsWith("Bearer ")
    ? await verifyAccessToken(deps.config, authorization.slice(7))
    : null;
  const loaded = claims && (await loadSessionWithSyncState(deps.db, claims));
  if (!claims || !loaded) return { ...deps, ip, user: null, session: null };
  const session = { deviceId: claims.deviceId, sessionId: claims.sessionId, expiresAt: new Date(claims.exp * 1000) };
  return { ...deps, ip, user: loaded.user, session, syncState: loaded.syncState };
}
