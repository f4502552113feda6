import { seedDemoData } from "@fieldsync/api";
import { createDb, migrateDeploy } from "@fieldsync/db";
import { buildApp } from "./app.ts";
import { apiConfig } from "./config.ts";
import { loadEnv } from "./env.ts";

const env = loadEnv();
await migrateDeploy(env.DATABASE_URL);
const db = createDb(env.DATABASE_URL);
if ((await db.organization.count()) === 0) {
  await seedDemoData(db);
  console.log("Empty database: demo data seeded (README lists the demo users).");
}

const app = await buildApp({
  deps: { db, config: apiConfig(env) },
  corsOrigins: env.CORS_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
  webDist: env.WEB_DIST,
  bodyLimit: env.BODY_LIMIT_BYTES,
  logger: { level: env.LOG_LEVEL },
});

let closing = false;
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  await app.close();
  await db.$disconnect();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

await app.listen({ host: env.HOST, port: env.PORT });
const port = (app.server.address() as { port: number }).port;
console.log(`Fieldsync is running at http://localhost:${port}`);
