// `pnpm db:new-migration <name>`: writes the SQL that takes the committed migrations to the
// current prisma/schema.prisma into prisma/migrations/<timestamp>_<name>/. (`prisma migrate dev`
// cannot create its shadow database through the driver adapter here; `migrate diff` can.)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { ensureDatabase } from "@fieldsync/db";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: pnpm db:new-migration <snake_case_name>");
  process.exit(1);
}
// Migrate connects to DATABASE_URL before it builds its shadow database from the migrations.
await ensureDatabase(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/fieldsync");
const sql = execFileSync(
  process.execPath,
  ["node_modules/prisma/build/index.js", "migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
  { encoding: "utf8" },
);
if (sql.includes("This is an empty migration")) {
  console.log("prisma/schema.prisma matches the migrations: nothing to write.");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = `prisma/migrations/${stamp}_${name}`;
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/migration.sql`, sql);
console.log(`Wrote ${dir}/migration.sql — review it, then \`pnpm db:migrate\`.`);
