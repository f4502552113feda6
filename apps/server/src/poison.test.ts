// Poison input never blocks a device: whatever a push carries, the answer is never a 5xx, a
// refused batch writes nothing, and the device's next valid change still lands. Through the real
// HTTP endpoint (app.inject) on a real PostgreSQL.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import { seededAsset } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
const logLines: string[] = [];
beforeAll(async () => {
  // Every generated run pushes from a device of its own.
  api = await setupApi({ maxDevicesPerUser: 1000 }, { logger: { level: "warn", stream: { write: (line: string) => void logLines.push(line) } } });
});
afterAll(() => api.close());

const pushJson = async (deviceId: string, json: string) => {
  const response = await api.app.inject({
    method: "POST",
    url: "/api/sync",
    headers: { authorization: `Bearer ${await api.token("tech1")}`, "content-type": "application/json" },
    payload: json,
  });
  return { status: response.statusCode, body: response.json() };
};

const counts = async () => ({
  assets: await api.db.asset.count(),
  tasks: await api.db.task.count(),
  schedules: await api.db.schedule.count(),
  log: await api.db.changeLog.count(),
  queue: await api.db.syncQueue.count(),
  conflicts: await api.db.syncConflict.count(),
});

test("a change the database refuses for an unexpected reason is rejected on its own (CHANGE_FAILED, logged); the rest of the batch applies", async () => {
  await api.db.$executeRawUnsafe(`ALTER TABLE "Asset" ADD CONSTRAINT poison_test CHECK ("name" <> 'Refused by the database')`);
  try {
    const [kept, refused, later] = [randomUUID(), randomUUID(), randomUUID()];
    const poison = create(refused, { name: "Refused by the database" });
    const response = await api.push("tech1", "poison-phone", [
      create(kept, { name: "Before the poison" }),
      poison,
      update(kept, 1, { notes: "edited after the poison" }),
      create(later, { name: "After the poison" }),
    ]);
    expect(response.results.map((r) => r.status)).toEqual(["applied", "rejected", "applied", "applied"]);
    expect(response.results[1]).toMatchObject({ index: 1, entityId: refused, code: "CHANGE_FAILED", duplicate: false });
    expect(response.results[2]).toMatchObject({ version: 2 });
    expect(await api.db.asset.findFirstOrThrow({ where: { id: kept } })).toMatchObject({ notes: "edited after the poison" });
    expect(await api.db.asset.count({ where: { id: later } })).toBe(1);
    expect(await api.db.asset.count({ where: { id: refused } })).toBe(0);
    expect(await api.db.changeLog.count({ where: { entityId: refused } })).toBe(0);
    expect(logLines.some((line) => line.includes(refused) && line.includes("poison_test"))).toBe(true);

    // Nothing of it was kept, not even its claim: once the cause is gone, the same change applies.
    await api.db.$executeRawUnsafe(`ALTER TABLE "Asset" DROP CONSTRAINT poison_test`);
    const again = await api.push("tech1", "poison-phone", [poison]);
    expect(again.results[0]).toMatchObject({ status: "applied", version: 1, duplicate: false });
  } finally {
    await api.db.$executeRawUnsafe(`ALTER TABLE "Asset" DROP CONSTRAINT IF EXISTS poison_test`);
  }
});

test("a timestamp at the edge of the range after its offset is applied is stored", async () => {
  const id = randomUUID();
  const response = await api.push("tech1", "edge-phone", [{ ...create(id, { name: "Edge" }), timestamp: "9999-12-31T23:59:59.999+14:00" }]);
  expect(response.results[0]).toMatchObject({ status: "applied", version: 1 });
  const row = await api.db.syncQueue.findFirstOrThrow({ where: { entityId: id } });
  expect(row.clientTimestamp.toISOString()).toBe("9999-12-31T09:59:59.999Z");
});

// Values a JSON body can carry that a field, a key or the envelope may choke on.
const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const poisonText = fc.oneof(
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 30 }) },
  { weight: 3, arbitrary: fc.tuple(fc.string({ unit: "binary", maxLength: 10 }), surrogate, fc.string({ maxLength: 10 })).map((parts) => parts.join("")) },
  { weight: 2, arbitrary: fc.constantFrom("\u0000", "\u202E", "\u2066", "\uFEFF", "\uFFFF", "NaN", "Infinity", "-0", "1e999", "null", "", " ", "x".repeat(5001)) },
);
/** Number literals written into the JSON text as they are (JSON.stringify would normalize them). */
const rawNumber = fc.constantFrom("-0", "1e308", "-1e308", "1e-400", "123456789012345678901234567890", "9007199254740993", "2147483648", "0.5");
const poisonNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, 1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -1, 0, 1, 3650, 3651),
  rawNumber.map((literal) => ({ raw: literal })),
);
const offset = fc.tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30, 45, 59)).map(
  ([sign, h, m]) => `${sign}${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`,
);
const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const poisonDate = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .tuple(fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 9999)), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 23 }), offset)
    .map(([y, mo, d, h, off]) => `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:59:59.999${off}`),
  fc.constantFrom(
    "9999-12-31T23:59:59.999-14:00",
    "9999-12-31T23:59:59.999Z",
    "0001-01-01T00:00:00.000Z",
    "0001-01-01T00:00:00.000+14:00",
    "0000-01-01T00:00:00.000Z",
    "2023-02-29T00:00:00.000Z",
    "2024-02-30T12:00:00.000Z",
    "2024-12-31T23:59:60.000Z",
    "+010000-01-01T00:00:00.000Z",
    "2024-06-01T12:00:00.123456789Z",
    "2024-06-01T12:00Z",
  ),
);
const deep = fc.integer({ min: 1, max: 40 }).map((depth) => Array.from({ length: depth }).reduce<unknown>((inner) => ({ a: inner }), "bottom"));
const wide = fc.integer({ min: 1, max: 300 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
const anyValue = fc.oneof(poisonText, poisonNumber, poisonDate, fc.boolean(), fc.constant(null), deep, wide, fc.array(poisonText, { maxLength: 3 }));
const poisonValue = fc.oneof({ weight: 4, arbitrary: poisonText }, { weight: 2, arbitrary: poisonDate }, { weight: 1, arbitrary: poisonNumber }, { weight: 1, arbitrary: anyValue });

// Valid changes: creates of every entity type (full Unicode text) and updates of the seeded asset.
const validText = fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter((t) => t.trim() === t && t.length > 0 && !/[\u0000\u202A-\u202E\u2066-\u2069]/.test(t));
const note = fc.option(validText, { nil: undefined });
const validDate = fc.date({ min: new Date("0001-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }).map((d) => d.toISOString());
const payloads = {
  asset: fc.record({ name: validText, serialNumber: note, location: note, notes: note }, { requiredKeys: ["name"] }),
  task: fc.record({ assetId: fc.constant(seededAsset), title: validText, dueAt: validDate, notes: note }, { requiredKeys: ["assetId", "title"] }),
  schedule: fc.record({ assetId: fc.constant(seededAsset), title: validText, intervalDays: fc.integer({ min: 1, max: 3650 }), nextDueAt: validDate, notes: note }, { requiredKeys: ["assetId", "title", "intervalDays", "nextDueAt"] }),
};
const timestamp = fc.oneof(fc.constant(new Date().toISOString()), validDate, offset.map((off) => `2026-11-30T10:00:00.000${off}`));
const createChange = fc.constantFrom("asset", "task", "schedule" as const).chain((entityType) =>
  fc.record({ changeId: fc.uuid(), entityType: fc.constant(entityType), entityId: fc.uuid(), operation: fc.constant("CREATE"), payload: payloads[entityType] as fc.Arbitrary<Record<string, unknown>>, clientVersion: fc.constant(0), timestamp }),
);
const updateChange = fc.record({
  entityType: fc.constant("asset"),
  entityId: fc.constant(seededAsset),
  operation: fc.constant("UPDATE"),
  payload: payloads.asset as fc.Arbitrary<Record<string, unknown>>,
  clientVersion: fc.integer({ min: 1, max: 3 }),
  timestamp,
});

/**
 * A valid change, often with one value poisoned: one of its payload fields, a field its entity
 * does not have, the timestamp, the base version, or the whole payload.
 */
const change = fc
  .tuple(fc.oneof(createChange, updateChange), fc.option(fc.tuple(fc.nat(), fc.nat(), poisonText, poisonValue), { freq: 2 }))
  .map(([valid, poison]) => {
    if (!poison) return valid;
    const [place, field, key, value] = poison;
    const own = Object.keys(valid.payload);
    const at = (["own", "own", "own", "own", "other", "timestamp", "clientVersion", "payload"] as const)[place % 8]!;
    if (at === "own" || at === "other") return { ...valid, payload: { ...valid.payload, [at === "own" ? own[field % own.length]! : key]: value } };
    return { ...valid, [at]: value };
  });
/** Usually absent. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const body = fc.record({
  changes: fc.array(change, { minLength: 1, maxLength: 3 }),
  deviceName: rarely(poisonText),
  extra: rarely(fc.tuple(poisonText, anyValue)),
});

/** The body as JSON text, with raw number literals spliced in where the arbitrary asked for them. */
const toJson = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => (v && typeof v === "object" && "raw" in v ? `@@raw:${(v as { raw: string }).raw}@@` : v)).replace(
    /"@@raw:([^@]+)@@"/g,
    "$1",
  );

test("generated poison (full Unicode with lone surrogates, extreme numbers and dates, wide and deep objects, extra keys): never a 5xx, a refused batch writes nothing, the device's next valid change lands", async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(body, async ({ changes, deviceName, extra }) => {
      const deviceId = `poison-${run++}`;
      const envelope = { deviceId, changes, ...(deviceName !== undefined && { deviceName }), ...(extra && { [extra[0]]: extra[1] }) };
      const before = await counts();
      const response = await pushJson(deviceId, toJson(envelope));
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
      if (response.status >= 400) {
        expect(response.body.code).toEqual(expect.any(String));
        expect(await counts()).toEqual(before);
      } else {
        for (const result of response.body.results) expect(["applied", "conflict", "rejected"]).toContain(result.status);
        // Whatever the schemas accept, the database stores: a CHANGE_FAILED here is a new poison value.
        expect(response.body.results.filter((r: { code?: string }) => r.code === "CHANGE_FAILED")).toEqual([]);
      }
      const next = await api.push("tech1", deviceId, [create(randomUUID(), { name: `After run ${run}` })]);
      expect(next.results[0]).toMatchObject({ status: "applied", version: 1 });
    }),
    { numRuns: Number(process.env.POISON_RUNS ?? 100), seed: process.env.POISON_SEED ? Number(process.env.POISON_SEED) : undefined },
  );
}, 240_000);
