// Replica verification and repair against a real server and PostgreSQL, bytes counted on the
// wire by a TCP relay in front of the server.
import { randomUUID } from "node:crypto";
import type { EntityData } from "@fieldsync/schema";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { LocalEntity } from "./local-db.ts";
import { loggedInDevice } from "./test-support/device.ts";
import { type WireCounter, wireCounter } from "./test-support/wire-counter.ts";

const entityCount = 100_000;
let server: TestServer;
let wire: WireCounter;
let orgId: string;

beforeAll(async () => {
  server = await startTestServer();
  wire = await wireCounter(server.url);
  ({ orgId } = await server.db.user.findFirstOrThrow({ where: { email: "tech1@northwind.test" } }));
  const existing = await server.db.asset.count({ where: { orgId } });
  // Set-wise, through the tracking triggers like any write.
  await server.db.$executeRaw`
    INSERT INTO "Asset" ("orgId", "id", "name", "serialNumber", "location", "notes", "status", "updatedBy")
    SELECT ${orgId}, gen_random_uuid()::text, 'Pump ' || i, 'SN-' || lpad(i::text, 7, '0'), 'Site ' || (i % 40) || '/Building ' || (i % 7),
           CASE WHEN i % 3 = 0 THEN 'Checked seals and bearings; no leaks.' END, 'OPERATIONAL', 'seed'
    FROM generate_series(1, ${entityCount - existing}::int) AS i`;
}, 300_000);

afterAll(async () => {
  await wire?.close();
  await server?.stop();
});

const corrupted = (row: LocalEntity, data: EntityData): LocalEntity => ({ ...row, data, serverData: data });

test("10 corrupted, 10 deleted and 10 added entities among 100,000 are found and repaired with < 1 % of a full resync's bytes", async () => {
  const device = await loggedInDevice(wire.url, "tech1@northwind.test", { pageSize: 1000 });
  wire.bytes = 0;
  await device.engine.sync();
  const fullResync = wire.bytes;
  const rows = await device.db.entities.toArray();
  const where = { where: { orgId } };
  expect(rows).toHaveLength((await server.db.asset.count(where)) + (await server.db.task.count(where)) + (await server.db.schedule.count(where)));

  // A replica fresh from a snapshot matches the server's digests.
  const clean = await device.engine.verify();
  expect(clean).toMatchObject({ mismatches: 0, repaired: 0, keptPending: 0, error: null });

  const assets = rows.filter((row) => row.type === "asset");
  const [corrupt, remove] = [assets.slice(100, 110), assets.slice(5_000, 5_010)];
  await device.db.entities.bulkPut(corrupt.map((row) => corrupted(row, { ...row.serverData, name: `${row.serverData!["name"]} (bit rot)` })));
  await device.db.entities.bulkDelete(remove.map((row) => [row.type, row.id] as ["asset", string]));
  const added = Array.from({ length: 10 }, (_, i) => corrupted({ ...assets[0]!, id: randomUUID(), version: 1 }, { ...assets[0]!.serverData, name: `Ghost ${i}` }));
  await device.db.entities.bulkPut(added);

  wire.bytes = 0;
  const repair = await device.engine.verify();
  const repairBytes = wire.bytes;
  console.info(`full resync ${fullResync} B; verification and repair ${repairBytes} B (${((100 * repairBytes) / fullResync).toFixed(3)} %)`, repair);
  expect(repair).toMatchObject({ repaired: 30, keptPending: 0, error: null });
  expect(repair.mismatches).toBeGreaterThanOrEqual(10);
  expect(repairBytes).toBeLessThan(fullResync / 100);

  for (const row of [...corrupt, ...remove]) expect(await device.engine.store.get("asset", row.id)).toMatchObject({ version: row.version, serverData: row.serverData, data: row.data });
  for (const row of added) expect(await device.engine.store.get("asset", row.id)).toBeUndefined();
  expect(await device.engine.verify()).toMatchObject({ mismatches: 0, repaired: 0 });
  device.close();
}, 900_000);

const rot = async (device: Awaited<ReturnType<typeof loggedInDevice>>, id: string) => {
  const row = (await device.db.entities.get(["asset", id]))!;
  const serverData = { ...row.serverData, name: "rotten" };
  await device.db.entities.put({ ...row, serverData, data: row.pending ? row.data : serverData });
};

test("an entity with an unsynced local edit is not overwritten by a repair; other differing entities are, and the edit still lands", async () => {
  const device = await loggedInDevice(wire.url, "tech@globex.test", { name: "pending" });
  const [mine, other] = [await device.engine.store.create("asset", { name: "Compressor" }), await device.engine.store.create("asset", { name: "Chiller" })];
  await device.engine.sync();
  await device.engine.store.update("asset", mine, { notes: "mine, not sent yet" });
  await rot(device, mine);
  await rot(device, other);
  const held = (await device.db.entities.get(["asset", mine]))!;

  expect(await device.engine.verify()).toMatchObject({ repaired: 1, keptPending: 1, error: null });
  expect(await device.db.entities.get(["asset", mine])).toEqual(held);
  expect(await device.engine.store.get("asset", other)).toMatchObject({ serverData: expect.objectContaining({ name: "Chiller" }), pending: 0 });

  await device.engine.sync();
  expect(await server.db.asset.findFirstOrThrow({ where: { id: mine } })).toMatchObject({ name: "Compressor", notes: "mine, not sent yet" });
  // Acknowledged on top of its rotten server copy; now nothing waits, the repair takes it.
  expect(await device.engine.verify()).toMatchObject({ repaired: 1, keptPending: 0 });
  expect(await device.engine.store.get("asset", mine)).toMatchObject({ data: expect.objectContaining({ name: "Compressor", notes: "mine, not sent yet" }) });
  expect(await device.engine.verify()).toMatchObject({ mismatches: 0, repaired: 0 });
  device.close();
}, 120_000);

test("a device keeping one site compares digests of exactly what it keeps", async () => {
  const { orgId: globex } = await server.db.user.findFirstOrThrow({ where: { email: "tech@globex.test" } });
  const sites = Array.from({ length: 40 }, (_, i) => ({ orgId: globex, id: randomUUID(), name: `Boiler ${i}`, location: i % 2 ? "Plant North/Hall 1" : "Plant South" }));
  await server.db.asset.createMany({ data: sites });
  const device = await loggedInDevice(wire.url, "tech@globex.test", { name: "north" });
  await device.engine.setSubscription({ locations: ["Plant North"] });
  const kept = await device.engine.store.list("asset");
  expect(kept.length).toBeGreaterThanOrEqual(20);
  expect(kept.every((row) => String(row.data!["location"]).startsWith("Plant North"))).toBe(true);

  expect(await device.engine.verify()).toMatchObject({ mismatches: 0, repaired: 0, error: null });
  await rot(device, kept[0]!.id);
  expect(await device.engine.verify()).toMatchObject({ mismatches: 1, repaired: 1 });
  expect(await device.engine.store.list("asset")).toHaveLength(kept.length);
  device.close();
}, 120_000);
