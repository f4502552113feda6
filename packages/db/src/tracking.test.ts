import { randomUUID } from "node:crypto";
import { entityFields, entityRegistry, entityTypes, serverOwnedFields, toEntityData } from "@fieldsync/schema";
import { checksum } from "@fieldsync/sync-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runAs } from "./tracking.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

let t: TestDatabase;
const orgId = randomUUID();

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.organization.create({ data: { id: orgId, name: "Test" } });
});
afterAll(() => t.drop());

const meta = (entityId: string) => t.db.syncMetadata.findFirstOrThrow({ where: { orgId, entityId } });
const log = (entityId: string) => t.db.changeLog.findMany({ where: { orgId, entityId }, orderBy: { seq: "asc" } });

describe("version tracking on every write to a synced model", () => {
  test("create: version 1, checksum of the entity data, CREATE logged with the actor", async () => {
    const id = randomUUID();
    await runAs("user-7", () => t.db.asset.create({ data: { orgId, id, name: "Pump", location: "B1" } }));
    const m = await meta(id);
    const data = toEntityData("asset", { name: "Pump", location: "B1" });
    expect(m).toMatchObject({ entityType: "asset", version: 1, lastModifiedBy: "user-7", deletedAt: null });
    expect(m.checksum).toBe(await checksum(data));
    const entries = await log(id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ operation: "CREATE", version: 1, actor: "user-7", data, checksum: m.checksum });
  });

  test("a plain update in a script bumps version and checksum, authored by 'system'", async () => {
    const id = randomUUID();
    await t.db.asset.create({ data: { orgId, id, name: "Pump" } });
    await t.db.asset.update({ where: { orgId_id: { orgId, id } }, data: { notes: "leaks" } });
    const m = await meta(id);
    expect(m).toMatchObject({ version: 2, lastModifiedBy: "system" });
    expect(m.checksum).toBe(await checksum(toEntityData("asset", { name: "Pump", notes: "leaks" })));
    expect((await log(id)).map((e) => e.operation)).toEqual(["CREATE", "UPDATE"]);
  });

  test("updateMany, upsert and raw SQL are tracked row by row", async () => {
    const ids = [randomUUID(), randomUUID()];
    await t.db.asset.createMany({ data: ids.map((id) => ({ orgId, id, name: "Valve" })) });
    await t.db.asset.updateMany({ where: { orgId, id: { in: ids } }, data: { status: "MAINTENANCE" } });
    await t.db.asset.upsert({
      where: { orgId_id: { orgId, id: ids[0]! } },
      create: { orgId, id: ids[0]!, name: "x" },
      update: { name: "Valve A" },
    });
    await t.db.$executeRaw`UPDATE "Asset" SET "notes" = 'raw' WHERE "orgId" = ${orgId} AND "id" = ${ids[1]!}`;
    expect((await meta(ids[0]!)).version).toBe(3);
    expect((await meta(ids[1]!)).version).toBe(3);
    const last = (await log(ids[1]!)).at(-1)!;
    expect(last.data).toMatchObject({ status: "MAINTENANCE", notes: "raw" });
  });

  test("delete leaves a tombstone, and cascaded deletes of children are tracked too", async () => {
    const assetId = randomUUID();
    const taskId = randomUUID();
    await t.db.asset.create({ data: { orgId, id: assetId, name: "Boiler" } });
    await t.db.task.create({ data: { orgId, id: taskId, assetId, title: "Inspect" } });
    await t.db.asset.delete({ where: { orgId_id: { orgId, id: assetId } } });
    expect(await meta(assetId)).toMatchObject({ version: 2, checksum: null });
    expect((await meta(assetId)).deletedAt).toBeInstanceOf(Date);
    expect((await meta(taskId)).version).toBe(2);
    expect((await log(taskId)).at(-1)).toMatchObject({ operation: "DELETE", data: null });
  });

  test("a rolled-back write leaves no version, checksum or change record", async () => {
    const id = randomUUID();
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.asset.create({ data: { orgId, id, name: "Ghost" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await t.db.syncMetadata.count({ where: { entityId: id } })).toBe(0);
    expect(await t.db.changeLog.count({ where: { entityId: id } })).toBe(0);
  });

  test("the organization or id of an entity cannot be rewritten", async () => {
    const id = randomUUID();
    await t.db.asset.create({ data: { orgId, id, name: "Fixed" } });
    await expect(t.db.$executeRaw`UPDATE "Asset" SET "id" = ${randomUUID()} WHERE "id" = ${id}`).rejects.toThrow();
  });

  test("the change log is append-only", async () => {
    await expect(t.db.$executeRaw`DELETE FROM "ChangeLog"`).rejects.toThrow(/append-only/);
    await expect(t.db.$executeRaw`UPDATE "ChangeLog" SET "version" = 0`).rejects.toThrow(/append-only/);
  });
});

// Canonical JSON agrees across platforms for safe-integer numbers only (see sync-core canonical.ts).
const integersOnly = (value: unknown): boolean =>
  typeof value === "number" ? Number.isSafeInteger(value) && !Object.is(value, -0)
  : Array.isArray(value) ? value.every(integersOnly)
  : value !== null && typeof value === "object" ? Object.values(value).every(integersOnly)
  : true;

describe("checksums agree between the database and sync-core", () => {
  const text = fc.string({ maxLength: 12, unit: "grapheme" }).filter((s) => !s.includes("\u0000"));
  const instant = fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString());

  test("for arbitrary task data, including escapes, unicode and timestamps", async () => {
    const assetId = randomUUID();
    await t.db.asset.create({ data: { orgId, id: assetId, name: "Anchor" } });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ title: text.filter((s) => s.length > 0), notes: fc.option(text, { nil: null }), dueAt: fc.option(instant, { nil: null }) }),
        async ({ title, notes, dueAt }) => {
          const id = randomUUID();
          await t.db.task.create({ data: { orgId, id, assetId, title, notes, dueAt: dueAt ? new Date(dueAt) : null } });
          const data = toEntityData("task", { assetId, title, notes, dueAt });
          expect((await meta(id)).checksum).toBe(await checksum(data));
        },
      ),
      { numRuns: 40 },
    );
  });

  test("for nested values (jsonb, arrays) in a table attached with fieldsync_attach", async () => {
    // No entity type has nested columns yet; one that does is canonicalized through fieldsync_canonical.
    await t.db.$executeRawUnsafe(`CREATE TABLE "Gadget" ("orgId" text NOT NULL, "id" text NOT NULL, "meta" jsonb, "tags" text[],
                                  "updatedBy" text, PRIMARY KEY ("orgId", "id"))`);
    await t.db.$executeRaw`SELECT fieldsync_attach('"Gadget"', 'gadget')`;
    await fc.assert(
      fc.asyncProperty(fc.option(fc.jsonValue().filter(integersOnly), { nil: null }), fc.array(text), async (metaValue, tags) => {
        const id = randomUUID();
        const json = metaValue === null ? null : JSON.stringify(metaValue);
        await t.db.$executeRaw`INSERT INTO "Gadget" ("orgId", "id", "meta", "tags") VALUES (${orgId}, ${id}, ${json}::jsonb, ${tags}::text[])`;
        expect((await meta(id)).checksum).toBe(await checksum({ meta: metaValue, tags }));
      }),
      { numRuns: 40 },
    );
  });
});

describe("a statement writing many rows", () => {
  test("versions each row once and logs them in the order the statement wrote them", async () => {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await t.db.$executeRaw`INSERT INTO "Asset" ("orgId", "id", "name") SELECT ${orgId}, i, 'Bulk' FROM unnest(${ids}::text[]) AS i`;
    await t.db.$executeRaw`UPDATE "Asset" SET "notes" = 'bulk' WHERE "orgId" = ${orgId} AND "id" = ANY(${ids}::text[])`;
    await t.db.$executeRaw`UPDATE "Asset" SET "notes" = 'none' WHERE "orgId" = ${orgId} AND "id" = 'no-such-asset'`;
    const entries = await t.db.changeLog.findMany({ where: { orgId, entityId: { in: ids } }, orderBy: { seq: "asc" } });
    expect(entries.filter((e) => e.operation === "CREATE").map((e) => e.entityId)).toEqual(ids);
    expect(entries.filter((e) => e.operation === "UPDATE").map((e) => e.version)).toEqual([2, 2, 2, 2, 2]);
    for (const id of ids) {
      expect((await meta(id)).checksum).toBe(await checksum(toEntityData("asset", { name: "Bulk", notes: "bulk" })));
    }
  });
});

describe("registry and database agree", () => {
  test("every entity type has a table whose synced columns are the schema's fields, and a trigger", async () => {
    const owned = new Set<string>(serverOwnedFields);
    for (const type of entityTypes) {
      const table = entityRegistry[type].model;
      const columns = await t.db.$queryRaw<{ column_name: string }[]>`
        SELECT column_name::text FROM information_schema.columns WHERE table_name = ${table}`;
      const synced = columns.map((c) => c.column_name).filter((c) => !owned.has(c));
      expect(synced.sort(), `columns of ${table}`).toEqual(entityFields(type).sort());
      const triggers = await t.db.$queryRaw<{ tgname: string }[]>`
        SELECT tgname::text FROM pg_trigger WHERE tgrelid = ${`"${table}"`}::regclass AND tgname LIKE 'fieldsync%' ORDER BY tgname`;
      expect(triggers.map((r) => r.tgname), `triggers on ${table}`).toEqual([
        "fieldsync_identity_guard", "fieldsync_track_delete", "fieldsync_track_insert", "fieldsync_track_update",
      ]);
    }
  });
});
