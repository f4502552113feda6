import type { EntityData, EntityType, SyncOperation } from "@fieldsync/schema";
import { parentKeys } from "./replica-parents.ts";
import { project } from "./replica-project.ts";

/**
 * pending: waits to be pushed (maybe already sent once: see `attempts`); conflict: the server
 * recorded a conflict and waits for a resolution; failed: the server rejected it (retry or discard).
 */
export type OutboxStatus = "pending" | "conflict" | "failed";

/** A change made on this device that the server has not acknowledged yet. */
export interface OutboxEntry {
  /** Auto-increment key: the order changes were made, which is the order they are pushed. */
  seq?: number;
  /** Idempotency key: the server replays its stored result for a change it has seen. */
  changeId: string;
  entityType: EntityType;
  entityId: string;
  operation: SyncOperation;
  /** Full entity for CREATE, changed fields only for UPDATE, {} for DELETE. */
  payload: EntityData;
  /** The server version the edit is based on (sent as `clientVersion`); 0 for CREATE. */
  baseVersion: number;
  timestamp: string;
  status: OutboxStatus;
  /**
   * Deliveries started. Once above 0 the entry is frozen: the server may have stored it under
   * its changeId, so its content must never change (later edits become a new entry).
   */
  attempts: number;
  conflictId: string | null;
  error: { code: string; message: string } | null;
}

/** The server's state of an entity as this device last received it. */
export interface ServerCopy {
  /** null while the server has never had it, or after it was deleted. */
  serverData: EntityData | null;
  /** 0 until the server has it. Server changes apply only above it. */
  version: number;
}

/** One synced entity as this device shows it. */
export interface ReplicaRow extends ServerCopy {
  type: EntityType;
  id: string;
  /** What the user sees: `serverData` with this device's unacknowledged changes applied; null once deleted. */
  data: EntityData | null;
  /** 1 while changes of this entity wait in the outbox (numbers, because IndexedDB cannot index booleans). */
  pending: 0 | 1;
  /** 1 when `data` is null: deleted here, or a server tombstone (kept so older changes cannot resurrect it). */
  deleted: 0 | 1;
  /** The entities this one references, as `parentKey`s (see replica-parents.ts). */
  parents: string[];
  updatedAt: string;
}


export const noServerCopy: ServerCopy = { serverData: null, version: 0 };

/**
 * The row an entity's server copy and its queued changes (in push order) make. null when there is
 * nothing to remember: the server never had it and nothing is queued (created and deleted here).
 */
export function buildRow(
  type: EntityType,
  id: string,
  server: ServerCopy,
  queue: readonly Pick<OutboxEntry, "operation" | "payload">[],
  updatedAt: string,
): ReplicaRow | null {
  if (server.version === 0 && queue.length === 0) return null;
  const data = project(type, server.serverData, queue);
  return {
    type,
    id,
    data,
    serverData: server.serverData,
    version: server.version,
    pending: queue.length > 0 ? 1 : 0,
    deleted: data === null ? 1 : 0,
    parents: parentKeys(type, data ?? server.serverData),
    updatedAt,
  };
}
