// A fresh, fully migrated PostgreSQL database per test file. Migrations are applied once (with
// `prisma migrate deploy`) to a template database named after their content hash; each test file clones it (fast) and drops
// its clone afterwards. Uses the real server at TEST_DATABASE_URL (default: local postgres).
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createDb, type Db } from "./client.ts";
import { migrateDeploy } from "./migrate.ts";

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), "../../../prisma/migrations");
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export const databaseUrl = (name: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** The migration scripts in the order Prisma applies them. */
export function migrationScripts(): string[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => readFileSync(join(migrationsDir, name, "migration.sql"), "utf8"));
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function ensureTemplate(): Promise<string> {
  const scripts = migrationScripts();
  // The hash covers how the template is built too, so a change to this function builds a new one.
  const name = `fieldsync_tpl_${createHash("sha256").update(`deploy-v2\n${scripts.join("\n")}`).digest("hex").slice(0, 16)}`;
  await withAdmin(async (admin) => {
    await admin.query("SELECT pg_advisory_lock(4242)");
    try {
      const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (rowCount) return;
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
      await admin.query(`CREATE DATABASE "${building}"`);
      // Through Prisma Migrate itself, so clones carry its bookkeeping and a server process
      // started on one (which runs `migrate deploy`) finds nothing to apply.
      await migrateDeploy(databaseUrl(building));
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } finally {
      await admin.query("SELECT pg_advisory_unlock(4242)");
    }
  });
  return name;
}

export interface TestDatabase {
  url: string;
  db: Db;
  /** Closes the client and drops the database. */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = await ensureTemplate();
  const name = `fieldsync_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  // CREATE DATABASE … TEMPLATE fails while anyone else is connected to the template.
  await withAdmin(async (admin) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        if (attempt > 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  });
  const url = databaseUrl(name);
  const db = createDb(url, { max: 20 });
  // The template keeps the change-log weeks of the day it was built; a clone needs this week's.
  await db.$executeRaw`SELECT fieldsync_log_partitions_ahead(4)`;
  return {
    url,
    db,
    drop: async () => {
      await db.$disconnect();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
