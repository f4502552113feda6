// Bytes on disk per row of the tables that grow with data and fleet (docs/scaling.md): a fresh
// database on the shared PostgreSQL, one organization seeded to 100k then 1M assets (each with its
// SyncMetadata row and a CREATE in ChangeLog, as bench B3 seeds them: 900-character notes), one
// stored SyncQueue outcome per asset (what a push of each would leave), then VACUUM ANALYZE and
// pg_relation_size (+ TOAST) / pg_indexes_size per table. Run: `pnpm --filter @fieldsync/bench sizes`
// (10 minutes on the 2-core machine at load 12; the database is dropped afterwards).
import { randomUUID } from "node:crypto";
import { seedDemoData } from "@fieldsync/api";
import { createTestDatabase } from "@fieldsync/db/testing";
import pg from "pg";
import { seedAssets } from "./seed.ts";

const steps = [100_000, 1_000_000];
const tables = ["Asset", "SyncMetadata", "ChangeLog", "SyncQueue"] as const;

/** One stored outcome per asset not queued yet, as an inline push leaves it (COMPLETED, payload dropped). */
async function seedQueueOutcomes(pool: pg.Pool, orgId: string, clientId: string) {
  await pool.query(
    `INSERT INTO "SyncQueue" ("id", "orgId", "clientId", "changeId", "idempotencyKey", "fingerprint", "entityType", "entityId",
       "operation", "clientVersion", "checksum", "clientTimestamp", "status", "result", "processedAt")
     SELECT gen_random_uuid()::text, m."orgId", $2, m."entityId", m."entityId", encode(sha256(convert_to(m."entityId", 'UTF8')), 'hex'), 'asset', m."entityId",
       'CREATE', 0, m."checksum", now(), 'COMPLETED',
       jsonb_build_object('index', 0, 'status', 'applied', 'entityType', 'asset', 'entityId', m."entityId", 'version', 1,
         'checksum', m."checksum", 'duplicate', false), now()
     FROM "SyncMetadata" m
     WHERE m."orgId" = $1 AND NOT EXISTS (SELECT 1 FROM "SyncQueue" q WHERE q."entityId" = m."entityId")`,
    [orgId, clientId],
  );
}

const database = await createTestDatabase();
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
try {
  await seedDemoData(database.db);
  const [org] = (await pool.query<{ id: string; userId: string }>(
    `SELECT o."id", u."id" AS "userId" FROM "Organization" o JOIN "User" u ON u."orgId" = o."id" ORDER BY o."name" LIMIT 1`,
  )).rows;
  const clientId = randomUUID();
  await pool.query(`INSERT INTO "SyncClient" ("id", "orgId", "userId", "deviceId") VALUES ($1, $2, $3, 'sizes')`, [clientId, org!.id, org!.userId]);
  let seeded = 0;
  const table: Record<string, string | number>[] = [];
  for (const step of steps) {
    await seedAssets(pool, org!.id, step - seeded);
    seeded = step;
    await seedQueueOutcomes(pool, org!.id, clientId);
    await pool.query("VACUUM ANALYZE");
    for (const name of tables) {
      const { rows } = await pool.query<{ rows: string; heap: string; indexes: string }>(
        // Summed over the table's partitions (ChangeLog is partitioned by week; its parent holds no rows).
        `SELECT (SELECT count(*) FROM "${name}") AS rows,
           sum(pg_relation_size(c.oid) + pg_relation_size(coalesce(c.reltoastrelid, 0))) AS heap, sum(pg_indexes_size(c.oid)) AS indexes
         FROM pg_class c WHERE c.oid = $1::regclass OR c.oid IN (SELECT relid FROM pg_partition_tree($1::regclass))`,
        [`"${name}"`],
      );
      const row = rows[0]!;
      const bytes = Number(row.heap) + Number(row.indexes);
      table.push({
        entities: step,
        table: name,
        rows: Number(row.rows),
        "heap+toast MB": +(Number(row.heap) / 2 ** 20).toFixed(1),
        "indexes MB": +(Number(row.indexes) / 2 ** 20).toFixed(1),
        "bytes/row": Math.round(bytes / Math.max(1, Number(row.rows))),
      });
    }
  }
  console.table(table);
} finally {
  await pool.end();
  await database.drop();
}
