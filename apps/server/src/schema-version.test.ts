// The push's `schemaVersion` through the real HTTP endpoint on a real PostgreSQL: this build's
// version (or none, an app from before the field) is taken; one older than the server takes or
// newer than it knows is refused 412 with its own code, and any other value or shape 400; never a
// 5xx, and a refused push writes nothing (not even the device). The upgrade itself, from a real
// older version, is schema-upgrade.test.ts.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { errorCodes, oldestSupportedSchemaVersion, schemaVersion } from "@fieldsync/schema";
import { create } from "@fieldsync/testing/changes";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi({ maxDevicesPerUser: 1000 });
});
afterAll(() => api.close());

const push = async (deviceId: string, body: Record<string, unknown>) => {
  const response = await api.app.inject({
    method: "POST",
    url: "/api/sync",
    headers: { authorization: `Bearer ${await api.token("tech1", deviceId)}`, "content-type": "application/json" },
    payload: JSON.stringify({ deviceId, ...body }),
  });
  return { status: response.statusCode, body: response.json() };
};

/** What a push of `deviceId` creating `entityId` may have written (its device row's sync included). */
const written = async (deviceId: string, entityId: string) => ({
  device: await api.db.syncClient.findFirst({ where: { deviceId }, select: { lastSyncAt: true, syncToken: true } }),
  assets: await api.db.asset.count({ where: { id: entityId } }),
  log: await api.db.changeLog.count({ where: { entityId } }),
  queue: await api.db.syncQueue.count({ where: { entityId } }),
});
/** A push refused: nothing of it stored (the login made the device row, the push never touched it). */
const refusedPush = async (deviceId: string, body: Record<string, unknown>) => {
  await api.token("tech1", deviceId);
  const entityId = (body.changes as { entityId: string }[] | undefined)?.[0]?.entityId ?? randomUUID();
  const before = await written(deviceId, entityId);
  const response = await push(deviceId, body);
  expect(await written(deviceId, entityId)).toEqual(before);
  expect(before).toMatchObject({ assets: 0, log: 0, queue: 0 });
  return response;
};

test("this build's version, or none, is taken", async () => {
  for (const version of [schemaVersion, undefined]) {
    const id = randomUUID();
    const response = await push(`sv-ok-${randomUUID()}`, { changes: [create(id, { name: "Pump" })], ...(version !== undefined && { schemaVersion: version }) });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.results[0]).toMatchObject({ status: "applied", version: 1 });
  }
});

test("older than the server takes: 412 SCHEMA_VERSION_TOO_OLD; newer than it knows: 412 SCHEMA_VERSION_UNKNOWN; nothing written", async () => {
  for (const [version, code] of [
    [oldestSupportedSchemaVersion - 1, "SCHEMA_VERSION_TOO_OLD"],
    [-7, "SCHEMA_VERSION_TOO_OLD"],
    [schemaVersion + 1, "SCHEMA_VERSION_UNKNOWN"],
    [Number.MAX_SAFE_INTEGER, "SCHEMA_VERSION_UNKNOWN"],
  ] as const) {
    const response = await refusedPush(`sv-refused-${randomUUID()}`, { schemaVersion: version, changes: [create(randomUUID(), { name: "Pump" })] });
    expect(response.status).toBe(412);
    expect(response.body).toMatchObject({ statusCode: 412, code });
  }
});

test("a version that is not an integer: 400 VALIDATION_FAILED at schemaVersion", async () => {
  for (const version of ["1", 1.5, null, {}, [1], true]) {
    const response = await refusedPush(`sv-invalid-${randomUUID()}`, { schemaVersion: version, changes: [create(randomUUID(), { name: "Pump" })] });
    expect(response.status, JSON.stringify(version)).toBe(400);
    expect(response.body.code).toBe("VALIDATION_FAILED");
    expect(response.body.issues.map((issue: { path: string }) => issue.path)).toContain("schemaVersion");
  }
});

const anyVersion = fc.oneof(
  fc.integer({ min: -5, max: schemaVersion + 5 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue(),
  fc.constantFrom(schemaVersion, oldestSupportedSchemaVersion, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER + 2),
);

test("property: any schemaVersion gets 200 or a 4xx with a stable code, never a 5xx; a refused push writes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(anyVersion, fc.boolean(), async (version, withChange) => {
      const [deviceId, id] = [`sv-${randomUUID()}`, randomUUID()];
      await api.token("tech1", deviceId);
      const before = await written(deviceId, id);
      const response = await push(deviceId, { schemaVersion: version, changes: withChange ? [create(id, { name: "Generated" })] : [] });
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
      if (response.status === 200) {
        expect(Number.isSafeInteger(version)).toBe(true);
        expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(withChange ? ["applied"] : []);
        return;
      }
      expect(response.status).toBeGreaterThanOrEqual(400);
      // A refusal for the version itself, never for the rest of this valid push.
      expect(["VALIDATION_FAILED", "SCHEMA_VERSION_TOO_OLD", "SCHEMA_VERSION_UNKNOWN"]).toContain(response.body.code);
      expect(Object.keys(errorCodes)).toContain(response.body.code);
      expect(await written(deviceId, id)).toEqual(before);
    }),
    { numRuns: 60 },
  );
}, 240_000);
