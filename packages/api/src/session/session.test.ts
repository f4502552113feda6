// The sync state read with the session (what a delta plans from instead of a read of its own):
// the token's device row and its own organization's horizon, nothing of another organization's.
import { randomUUID } from "node:crypto";
import type { Db } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Writer } from "../sync/apply.ts";
import { seededWriter } from "../seeded-writer.ts";
import { loadSession, loadSessionWithSyncState } from "./session.ts";

let database: TestDatabase;
let db: Db;
let writer: Writer;
const deviceId = "session-test";

beforeAll(async () => {
  ({ database, db, writer } = await seededWriter(deviceId));
});
afterAll(() => database.drop());

/** A live login session of the writer on `device`; its claims. */
async function loginOn(device: string) {
  const familyId = randomUUID();
  await db.refreshToken.create({ data: { userId: writer.userId, familyId, deviceId: device, tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 3600_000) } });
  return { sub: writer.userId, orgId: writer.orgId, deviceId: device, sessionId: familyId };
}

test("the session comes with its device's sync row and its organization's horizon", async () => {
  const other = await db.organization.create({ data: { name: "Elsewhere" } });
  await db.syncLogHorizon.create({ data: { orgId: other.id, txid: 900n, seq: 9n, before: new Date("2026-11-01T00:00:00Z") } });
  const claims = await loginOn(deviceId);
  await db.syncClient.update({ where: { id: writer.clientId }, data: { subscription: { locations: ["Dock 4"] }, rescopeRequired: true } });

  const before = await loadSessionWithSyncState(db, claims);
  expect(before!.user).toEqual(await loadSession(db, claims));
  expect(before!.syncState).toEqual({
    device: { id: writer.clientId, userId: writer.userId, isActive: true, deviceName: null, subscription: { locations: ["Dock 4"] }, resyncRequired: false, rescopeRequired: true },
    horizon: null,
  });

  await db.syncLogHorizon.create({ data: { orgId: writer.orgId, txid: 500n, seq: 40n, before: new Date("2026-10-05T00:00:00Z") } });
  const after = await loadSessionWithSyncState(db, claims);
  expect(after!.syncState.horizon).toEqual({ txid: 500n, seq: 40n, before: new Date("2026-10-05T00:00:00Z") });
});

test("a device never synced has no row; a revoked one no session", async () => {
  const fresh = await loadSessionWithSyncState(db, await loginOn("never-synced"));
  expect(fresh!.syncState.device).toBeNull();

  const claims = await loginOn(deviceId);
  await db.syncClient.update({ where: { id: writer.clientId }, data: { isActive: false } });
  expect(await loadSessionWithSyncState(db, claims)).toBeNull();
});
