// What every process-level kit (one server, a cluster) starts from: a fresh database cloned from
// the migrated template with the demo data, and signing keys of this run only.
import { randomBytes } from "node:crypto";
import { seedDemoData } from "@fieldsync/api";
import { type TestDatabase, createTestDatabase } from "@fieldsync/db/testing";

/** JWT and cursor keys for the processes of one run, which must all share them. */
export const runSecrets = () => ({ jwtSecret: randomBytes(32).toString("base64url"), cursorSecret: randomBytes(32).toString("base64url") });

/** Creates and seeds a database, then `start`s what uses it; the database is dropped when seeding or `start` fails. */
export async function withSeededDatabase<T>(start: (database: TestDatabase) => Promise<T>): Promise<T> {
  const database = await createTestDatabase();
  try {
    await seedDemoData(database.db);
    return await start(database);
  } catch (error) {
    await database.drop();
    throw error;
  }
}
