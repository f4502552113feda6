// `pnpm db:seed`: demo organizations, users and assets (see README). Does nothing if present.
import { seedDemoData } from "@fieldsync/api";
import { createDb } from "@fieldsync/db";

const db = createDb(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/fieldsync");
await seedDemoData(db);
await db.$disconnect();
console.log("Demo data is in place.");
