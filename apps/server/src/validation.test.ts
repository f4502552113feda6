import { randomUUID } from "node:crypto";
import { limits } from "@fieldsync/schema";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import { seededAsset } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

const counts = async () => ({
  log: await api.db.changeLog.count(),
  clients: await api.db.syncClient.count(),
  queue: await api.db.syncQueue.count(),
  assets: await api.db.asset.count(),
});
let before: Awaited<ReturnType<typeof counts>>;
beforeAll(async () => {
  before = await counts();
});

const pushRaw = (changes: unknown[], extra: Record<string, unknown> = {}) =>
  api.call("tech1", "POST", "/api/sync", { deviceId: "validator", changes, ...extra });

const issuePaths = (body: { issues?: { path: string }[] }) => body.issues?.map((i) => i.path) ?? [];

describe("bad input is a 400 with a stable code and the zod issue path, and writes nothing", () => {
  test("malformed JSON", async () => {
    const response = await api.app.inject({
      method: "POST",
      url: "/api/sync",
      headers: { authorization: `Bearer ${await api.token("tech1")}`, "content-type": "application/json" },
      payload: '{"deviceId": "x", "changes": [',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: "MALFORMED_JSON" });
  });

  test("unknown entity type and operation", async () => {
    const response = await pushRaw([{ ...create(randomUUID(), { name: "x" }), entityType: "spaceship" }, { ...create(randomUUID(), { name: "x" }), operation: "UPSERT" }]);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("VALIDATION_FAILED");
    expect(issuePaths(response.body)).toEqual(["changes.0.entityType", "changes.1.operation"]);
  });

  test("a payload failing the entity schema names the field", async () => {
    const response = await pushRaw([create(randomUUID(), { name: "", status: "ON_FIRE" }), update(seededAsset, 1, {})]);
    expect(response.status).toBe(400);
    expect(issuePaths(response.body)).toEqual(["changes.0.payload.name", "changes.0.payload.status", "changes.1.payload"]);
  });

  test("unknown keys in the envelope and in the payload", async () => {
    const response = await pushRaw([{ ...create(randomUUID(), { name: "x", color: "red" }), priority: 1 }], { extra: true });
    expect(response.status).toBe(400);
    // Each unknown key is an issue at its own path.
    expect(issuePaths(response.body)).toEqual(expect.arrayContaining(["extra", "changes.0.priority"]));
    const payload = await pushRaw([create(randomUUID(), { name: "x", color: "red" })]);
    expect(issuePaths(payload.body)).toEqual(["changes.0.payload.color"]);
  });

  test("server-owned fields cannot be set through a payload", async () => {
    for (const field of ["version", "orgId", "id", "updatedBy", "createdAt", "checksum"]) {
      const response = await pushRaw([update(seededAsset, 1, { name: "Hijack", [field]: "x" })]);
      expect(response.status, field).toBe(400);
      expect(response.body.issues[0]).toMatchObject({ path: `changes.0.payload.${field}` });
      expect(response.body.issues[0].message).toMatch(/set by the server/);
    }
  });

  test("batch and page limits", async () => {
    const tooMany = Array.from({ length: limits.maxChangesPerPush + 1 }, () => create(randomUUID(), { name: "x" }));
    const batch = await pushRaw(tooMany);
    expect(batch.status).toBe(400);
    expect(issuePaths(batch.body)).toEqual(["changes"]);
    const page = await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "validator", pageSize: 1e9 });
    expect(page.status).toBe(400);
    expect(issuePaths(page.body)).toEqual(["pageSize"]);
  });

  test("a bad change anywhere in a batch rejects the whole request before anything is written", async () => {
    const response = await pushRaw([create(randomUUID(), { name: "fine" }), create(randomUUID(), { name: 42 })]);
    expect(response.status).toBe(400);
    expect(issuePaths(response.body)).toEqual(["changes.1.payload.name"]);
  });

  test("text PostgreSQL cannot store or a reader would be misled by: lone surrogates, NUL, bidi overrides and isolates", async () => {
    const poisons = ["\uD800", "tail \uDBFF", "\uDC00 head", "swapped \uDFFF\uD800", "nul \u0000", "\u202Eevil.exe", "\u2066isolated\u2069"];
    for (const poison of poisons) {
      const response = await pushRaw([create(randomUUID(), { name: "Pump", notes: poison }), update(seededAsset, 1, { location: poison })]);
      expect(response.status, JSON.stringify(poison)).toBe(400);
      expect(response.body.code).toBe("VALIDATION_FAILED");
      expect(issuePaths(response.body)).toEqual(["changes.0.payload.notes", "changes.1.payload.location"]);
    }
    const device = await pushRaw([], { deviceName: "Phone \uD83D" });
    expect(device.status).toBe(400);
    expect(issuePaths(device.body)).toEqual(["deviceName"]);
  });

  test("timestamps must stay within 0001-01-01 and 9999-12-31 in UTC, after their offset is applied", async () => {
    for (const timestamp of ["9999-12-31T23:59:59.999-14:00", "9999-12-31T20:00:00-04:00", "0001-01-01T00:00:00+00:01"]) {
      const response = await pushRaw([{ ...create(randomUUID(), { name: "Late" }), timestamp }]);
      expect(response.status, timestamp).toBe(400);
      expect(response.body.code).toBe("VALIDATION_FAILED");
      expect(issuePaths(response.body)).toEqual(["changes.0.timestamp"]);
    }
  });

  test("a tampered sync token is rejected before anything is written", async () => {
    const response = await pushRaw([create(randomUUID(), { name: "x" })], { syncToken: "abc.def" });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe("INVALID_TOKEN");
  });
});

test("none of the rejected requests above wrote anything", async () => {
  expect(await counts()).toEqual(before);
  expect(await api.db.syncClient.count({ where: { deviceId: "validator" } })).toBe(0);
});
