// `pnpm db:migrate`: creates the database if needed and applies the committed migrations.
import { migrateDeploy } from "@fieldsync/db";

const url = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/fieldsync";
await migrateDeploy(url);
console.log(`Migrations applied to ${new URL(url).pathname.slice(1)}.`);
