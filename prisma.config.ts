import { defineConfig } from "prisma/config";
import { migrateAdapter } from "./packages/db/src/migrate-adapter.ts";

// `prisma generate` needs no database, but without a URL Prisma 6 falls back to downloading its
// library engine; any value keeps it on the JS engine.
const url = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/fieldsync";
process.env.DATABASE_URL = url;

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => migrateAdapter(url),
});
