// A simulated device for tests: its own in-memory IndexedDB (fake-indexeddb) and a sync engine
// talking to a real server over HTTP.
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { LocalDb } from "../local-db.ts";
import { SyncEngine } from "../sync-engine.ts";

export const demoPassword = "fieldsync-demo";

export interface TestDevice {
  db: LocalDb;
  engine: SyncEngine;
  close(): void;
}

export interface DeviceOptions {
  name?: string;
  fetch?: typeof fetch;
  factory?: IDBFactory;
  pageSize?: number;
  /** SyncEngineOptions.verifyEveryMs; test devices verify only when asked unless given. */
  verifyEveryMs?: number | null;
  pushBatchSize?: number;
}

export function openDevice(baseUrl: string, options: DeviceOptions = {}): TestDevice {
  const db = new LocalDb(options.name ?? "fieldsync", { indexedDB: options.factory ?? new IDBFactory(), IDBKeyRange });
  const engine = new SyncEngine({
    db,
    baseUrl,
    deviceName: options.name ?? "test device",
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    verifyEveryMs: options.verifyEveryMs ?? null,
    ...(options.pushBatchSize ? { pushBatchSize: options.pushBatchSize } : {}),
  });
  return { db, engine, close: () => db.close() };
}

export async function loggedInDevice(baseUrl: string, email: string, options: DeviceOptions = {}) {
  const device = openDevice(baseUrl, options);
  await device.engine.login(email, demoPassword);
  return device;
}

/**
 * A transport that delivers pushes but loses their answers while `dropping` is set: the server
 * processes the push, the client sees a network error (the classic retry hazard).
 */
export function lossyFetch() {
  const state = { dropping: false, dropped: 0 };
  const fetchFn: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!state.dropping || !String(input).endsWith("/api/sync")) return response;
    await response.arrayBuffer();
    state.dropped++;
    throw new TypeError("connection reset (answer lost)");
  };
  return { fetch: fetchFn, state };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Syncs until `done` holds. The server hands out a change only once every older transaction in
 * the PostgreSQL cluster has ended (that is what makes pulls gap-free), so while other test files
 * clone databases a change can take a moment to show up on other devices. Bounded by a deadline.
 */
export async function syncUntil(devices: TestDevice[], done: () => Promise<boolean>, deadlineMs = 45_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    for (const device of devices) await device.engine.sync();
    if (await done()) return;
    if (Date.now() > deadline) throw new Error("devices did not reach the expected state before the deadline");
    await pause(100);
  }
}
