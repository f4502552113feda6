import type { SyncChangeInput } from "@fieldsync/schema";
import { newId } from "@fieldsync/sync-core";

// Synthetic asset edits of about 1 KB each (the notes field carries the bulk).

const words = "pump valve boiler chiller filter seal bearing gasket motor belt sensor panel duct coil fan".split(" ");
export const notes = (seed: number, length = 900) => {
  let text = "";
  for (let i = 0; text.length < length; i++) text += `${words[(seed + i * 7) % words.length]} `;
  return text.slice(0, length);
};

let counter = 0;
export const newAsset = () => {
  const n = ++counter;
  return { name: `Asset ${n}`, serialNumber: `SN-${n}`, location: `Site ${n % 97}`, notes: notes(n), status: "OPERATIONAL" };
};

const timestamp = () => new Date().toISOString();

export const createChange = (id: string = newId()): SyncChangeInput => ({
  changeId: newId(), entityType: "asset", entityId: id, operation: "CREATE", payload: newAsset(), clientVersion: 0, timestamp: timestamp(),
});

export const updateChange = (id: string, version: number): SyncChangeInput => {
  const n = ++counter;
  return {
    changeId: newId(), entityType: "asset", entityId: id, operation: "UPDATE",
    payload: { notes: notes(n), location: `Site ${n % 97}` }, clientVersion: version, timestamp: timestamp(),
  };
};

export const deleteChange = (id: string, version: number): SyncChangeInput => ({
  changeId: newId(), entityType: "asset", entityId: id, operation: "DELETE", payload: {}, clientVersion: version, timestamp: timestamp(),
});

/** A device's view of its own entities: id → the server version it last saw. */
export class EntityPool {
  readonly live = new Map<string, number>();

  constructor(ids: readonly string[] = []) {
    for (const id of ids) this.live.set(id, 1);
  }

  /**
   * A B1 batch: 70 % updates, 20 % creates, 10 % deletes, each entity at most once. With
   * `staleShare`, that share of the batch are updates based on an older version (conflicts).
   */
  batch(size: number, staleShare = 0): { changes: SyncChangeInput[]; stale: number } {
    const ids = [...this.live.keys()];
    shuffle(ids);
    const updates = Math.round(size * 0.7);
    const deletes = Math.round(size * 0.1);
    const creates = size - updates - deletes;
    const staleWanted = Math.round(size * staleShare);
    const changes: SyncChangeInput[] = [];
    let stale = 0;
    for (const id of ids.slice(0, updates)) {
      const version = this.live.get(id)!;
      const makeStale = stale < staleWanted && version >= 2;
      if (makeStale) stale++;
      changes.push(updateChange(id, makeStale ? version - 1 : version));
    }
    for (const id of ids.slice(updates, updates + deletes)) changes.push(deleteChange(id, this.live.get(id)!));
    for (let i = 0; i < creates; i++) changes.push(createChange());
    if (stale < staleWanted) throw new Error(`only ${stale} of ${staleWanted} entities can be made stale`);
    return { changes, stale };
  }

  /** Learns the versions the server answered (applied → new version; conflict → server's). */
  record(changes: readonly SyncChangeInput[], results: readonly { status: string; version?: number; serverVersion?: number }[]) {
    changes.forEach((change, i) => {
      const result = results[i]!;
      if (change.operation === "DELETE" && result.status === "applied") this.live.delete(change.entityId);
      else if (result.status === "applied") this.live.set(change.entityId, result.version!);
      else if (result.status === "conflict") this.live.set(change.entityId, result.serverVersion!);
    });
  }
}

export function shuffle<T>(items: T[]) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
