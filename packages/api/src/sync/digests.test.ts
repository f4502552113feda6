// The trigger-maintained bucket digests against real PostgreSQL: after raw SQL writes, cascades
// and deletes they equal digests recomputed from scratch with sync-core's definition (so the
// database's SQL and the clients' TypeScript agree too).
import { randomUUID } from "node:crypto";
import type { Db } from "@fieldsync/db";
import { createTestDatabase, type TestDatabase } from "@fieldsync/db/testing";
import { type EntityType, type Subscription, entityTypes } from "@fieldsync/schema";
import { type DigestEntry, digestsOf, idHash } from "@fieldsync/sync-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { bucketDigests, bucketEntities } from "./digests.ts";

let database: TestDatabase;
let db: Db;
const orgId = randomUUID();
const scope = { orgId, subscription: null, types: entityTypes };

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await db.organization.create({ data: { id: orgId, name: "Digests" } });
}, 120_000);
afterAll(() => database?.drop());

/** Live entities from SyncMetadata, as a client would hold them. */
async function liveEntries(where: (type: EntityType, id: string) => Promise<boolean> = async () => true): Promise<DigestEntry[]> {
  const rows = await db.syncMetadata.findMany({ where: { orgId, deletedAt: null } });
  const entries: DigestEntry[] = [];
  for (const row of rows) {
    const type = row.entityType as EntityType;
    if (await where(type, row.entityId)) entries.push({ type, id: row.entityId, hash: await idHash(row.entityId), version: row.version, checksum: row.checksum! });
  }
  return entries;
}

const fromScratch = async (entries: DigestEntry[]) => [...digestsOf(entries).values()].sort((a, b) => `${a.entityType}:${a.bucket}`.localeCompare(`${b.entityType}:${b.bucket}`));
const stored = async () => (await bucketDigests(db, scope)).sort((a, b) => `${a.entityType}:${a.bucket}`.localeCompare(`${b.entityType}:${b.bucket}`));

test("raw SQL updates, a cascading delete and a raw delete keep every bucket digest equal to one recomputed from scratch", async () => {
  const assets = Array.from({ length: 120 }, (_, i) => ({ orgId, id: randomUUID(), name: `Pump ${i}`, location: i % 2 ? "Site A/B1" : "Site B" }));
  await db.asset.createMany({ data: assets });
  await db.task.createMany({ data: assets.flatMap((a) => [{ orgId, id: randomUUID(), assetId: a.id, title: `Check ${a.name}` }]) });
  expect(await stored()).toEqual(await fromScratch(await liveEntries()));
  expect((await stored()).reduce((n, d) => n + d.count, 0)).toBe(240);

  // A raw statement touching many rows (one unchanged: same checksum, new version).
  await db.$executeRaw`UPDATE "Asset" SET "notes" = 'raw ' || "name" WHERE "orgId" = ${orgId} AND "location" = 'Site B'`;
  await db.$executeRaw`UPDATE "Asset" SET "name" = "name" WHERE "orgId" = ${orgId} AND "id" = ${assets[1]!.id}`;
  expect(await stored()).toEqual(await fromScratch(await liveEntries()));

  // Deleting assets cascades to their tasks in the same statement; tombstones leave the digest.
  await db.$executeRaw`DELETE FROM "Asset" WHERE "orgId" = ${orgId} AND "id" = ANY(${assets.slice(0, 30).map((a) => a.id)}::text[])`;
  await db.task.deleteMany({ where: { orgId, assetId: assets[40]!.id } });
  const after = await liveEntries();
  expect(after).toHaveLength(240 - 60 - 1);
  expect(await stored()).toEqual(await fromScratch(after));
});

test("a subscription narrowed by location gets digests and lists of exactly the entities it keeps", async () => {
  const subscription: Subscription = { locations: ["Site A"] };
  const kept = await db.asset.findMany({ where: { orgId, location: { startsWith: "Site A" } }, select: { id: true } });
  const keptAssets = new Set(kept.map((a) => a.id));
  const tasks = new Map((await db.task.findMany({ where: { orgId } })).map((t) => [t.id, t.assetId]));
  const inScope = async (type: EntityType, id: string) => (type === "asset" ? keptAssets.has(id) : type === "task" ? keptAssets.has(tasks.get(id)!) : false);
  const expected = await liveEntries(inScope);
  const digests = await bucketDigests(db, { orgId, subscription, types: entityTypes });
  expect(digests.sort((a, b) => `${a.entityType}:${a.bucket}`.localeCompare(`${b.entityType}:${b.bucket}`))).toEqual(await fromScratch(expected));

  // One level down and the lists, inside the first asset bucket.
  const parent = digests.find((d) => d.entityType === "asset")!;
  const children = await bucketDigests(db, { orgId, subscription, types: entityTypes }, [{ entityType: "asset", bucket: parent.bucket }]);
  expect(children).toEqual([...digestsOf(expected, [{ entityType: "asset", bucket: parent.bucket }]).values()].sort((a, b) => a.bucket.localeCompare(b.bucket)));
  const [listed] = await bucketEntities(db, { orgId, subscription, types: entityTypes }, [{ entityType: "asset", bucket: parent.bucket }]);
  expect(listed!.entities.map((e) => e.id).sort()).toEqual(expected.filter((e) => e.type === "asset" && e.hash.startsWith(parent.bucket)).map((e) => e.id).sort());
});
