// For this package's database tests: a fresh seeded database and a registered device of Tara's
// writing to it, plus a change builder. Not imported by the package itself.
import { randomUUID } from "node:crypto";
import type { Db } from "@fieldsync/db";
import { createTestDatabase, type TestDatabase } from "@fieldsync/db/testing";
import type { SyncChange } from "@fieldsync/schema";
import { seedDemoData } from "./seed.ts";
import type { Writer } from "./sync/apply.ts";

export interface SeededWriter {
  database: TestDatabase;
  db: Db;
  writer: Writer;
}

export async function seededWriter(deviceId: string): Promise<SeededWriter> {
  const database = await createTestDatabase();
  const db = database.db;
  await seedDemoData(db);
  const user = await db.user.findFirstOrThrow({ where: { email: "tech1@northwind.test" } });
  const client = await db.syncClient.create({ data: { orgId: user.orgId, userId: user.id, deviceId } });
  return { database, db, writer: { orgId: user.orgId, userId: user.id, clientId: client.id } };
}

/** A change as a device sends it. */
export const change = (entityType: SyncChange["entityType"], entityId: string, operation: SyncChange["operation"], clientVersion: number, payload = {}) =>
  ({ changeId: randomUUID(), entityType, entityId, operation, clientVersion, payload, timestamp: new Date().toISOString() }) as SyncChange;
