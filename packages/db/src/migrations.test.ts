import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { databaseUrl } from "./testing.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");

test("the committed migrations produce exactly prisma/schema.prisma (no drift)", () => {
  const sql = execFileSync(
    process.execPath,
    ["node_modules/prisma/build/index.js", "migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
    { cwd: root, encoding: "utf8", env: { ...process.env, DATABASE_URL: databaseUrl("postgres") } },
  );
  expect(sql.trim()).toBe("-- This is an empty migration.");
});
