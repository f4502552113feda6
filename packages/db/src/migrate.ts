// Applies the committed migrations with Prisma Migrate (`prisma migrate deploy`), creating the
// database first when it does not exist yet (a fresh machine has only `postgres`).
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../../..");

export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (error) {
    // Another process created it between our check and CREATE DATABASE.
    if ((error as { code?: string }).code !== "42P04") throw error;
  } finally {
    await client.end();
  }
}

export async function migrateDeploy(url: string): Promise<void> {
  await ensureDatabase(url);
  const prisma = join(repoRoot, "node_modules/prisma/build/index.js");
  await promisify(execFile)(process.execPath, [prisma, "migrate", "deploy"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url },
  });
}
