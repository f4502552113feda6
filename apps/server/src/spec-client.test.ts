// Black-box: the spec's own client example (`OfflineSyncClient.sync`, "Usage Examples") and its
// conflict-resolution call, over real HTTP against a listening server.
import { randomUUID } from "node:crypto";
import type { Conflict, PushResponse, ServerChange, SyncChangeInput } from "@fieldsync/schema";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, startTestServer } from "@fieldsync/testing/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** The spec's class, kept as written, plus a local store so it can be checked. */
class OfflineSyncClient {
  lastSyncToken: string | undefined;
  queued: SyncChangeInput[] = [];
  store = new Map<string, { version: number; data: Record<string, unknown> }>();
  conflicts: Conflict[] = [];

  constructor(
    readonly token: string,
    readonly deviceId: string,
  ) {}

  async getQueuedChanges() {
    const changes = this.queued;
    this.queued = [];
    return changes;
  }

  async applyServerChanges(changes: ServerChange[]) {
    for (const change of changes) {
      const local = this.store.get(change.entityId);
      if (local && local.version >= change.clientVersion) continue;
      if (change.operation === "DELETE") this.store.set(change.entityId, { version: change.clientVersion, data: {} });
      else this.store.set(change.entityId, { version: change.clientVersion, data: change.payload });
    }
  }

  async handleConflicts(conflicts: Conflict[]) {
    this.conflicts.push(...conflicts);
  }

  async sync() {
    const changes = await this.getQueuedChanges();
    const response = await fetch(`${server.url}/api/sync`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ deviceId: this.deviceId, syncToken: this.lastSyncToken, changes }),
    });
    const result = (await response.json()) as PushResponse;
    await this.applyServerChanges(result.changes);
    await this.handleConflicts(result.conflicts);
    this.lastSyncToken = result.syncToken;
    return result;
  }
}

async function login(email: string, deviceId: string) {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: "fieldsync-demo", deviceId }),
  });
  return ((await response.json()) as { token: string }).token;
}

async function resolveConflict(token: string, conflictId: string, resolution: string) {
  const response = await fetch(`${server.url}/api/sync/conflicts/resolve`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ conflictId, resolution }),
  });
  return response.status;
}

const change = (operation: SyncChangeInput["operation"], entityId: string, clientVersion: number, payload: Record<string, unknown>): SyncChangeInput => ({
  entityType: "asset",
  entityId,
  operation,
  payload,
  clientVersion,
  timestamp: new Date().toISOString(),
});

test("two technicians' devices: create, pull, conflicting edits, resolution, delete", async () => {
  const phone = new OfflineSyncClient(await login("tech1@northwind.test", "spec-phone"), "spec-phone");
  const tablet = new OfflineSyncClient(await login("tech2@northwind.test", "spec-tablet"), "spec-tablet");
  await phone.sync();
  await tablet.sync();

  const id = randomUUID();
  phone.queued.push(change("CREATE", id, 0, { name: "Air handler", location: "Roof" }));
  expect((await phone.sync()).results[0]).toMatchObject({ status: "applied", version: 1 });
  await tablet.sync();
  expect(tablet.store.get(id)).toEqual({ version: 1, data: expect.objectContaining({ name: "Air handler", location: "Roof" }) });

  phone.queued.push(change("UPDATE", id, 1, { name: "AHU-1" }));
  tablet.queued.push(change("UPDATE", id, 1, { name: "Air handler unit" }));
  await phone.sync();
  const conflicted = await tablet.sync();
  expect(conflicted.results[0]?.status).toBe("conflict");
  expect(tablet.conflicts).toHaveLength(1);
  expect(tablet.conflicts[0]).toMatchObject({ clientVersion: 1, serverVersion: 2, clientData: { name: "Air handler unit" }, serverData: { name: "AHU-1" } });

  expect(await resolveConflict(tablet.token, tablet.conflicts[0]!.id, "CLIENT_WINS")).toBe(200);
  await phone.sync();
  await tablet.sync();
  expect(phone.store.get(id)).toEqual(tablet.store.get(id));
  expect(phone.store.get(id)).toMatchObject({ version: 3, data: { name: "Air handler unit" } });

  phone.queued.push(change("DELETE", id, 3, {}));
  expect((await phone.sync()).results[0]).toMatchObject({ status: "applied", version: 4 });
  await tablet.sync();
  expect(tablet.store.get(id)).toEqual({ version: 4, data: {} });
});
