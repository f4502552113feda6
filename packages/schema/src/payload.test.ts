import { describe, expect, test } from "vitest";
import { pushBodySchema } from "./push.ts";
import type { SyncOperation } from "./enums.ts";
import { changePayloadSchema, toEntityData } from "./payload.ts";
import { type EntityType, entityFields, entityTypes } from "./registry.ts";

const payloadIssues = (type: EntityType, operation: SyncOperation, payload: unknown) =>
  changePayloadSchema(type, operation).safeParse(payload).error?.issues ?? [];

const change = (overrides: Record<string, unknown>) => ({
  entityType: "asset",
  entityId: "7b0c5a0e-4a43-4a55-9a2b-1c1c7e0e0a02",
  operation: "CREATE",
  payload: { name: "Pump" },
  clientVersion: 0,
  timestamp: "2026-01-01T00:00:00Z",
  ...overrides,
});

describe("payload validation by entity type and operation", () => {
  test("CREATE needs the full entity, UPDATE a non-empty subset, DELETE nothing", () => {
    expect(payloadIssues("asset", "CREATE", { name: "Pump" })).toEqual([]);
    expect(payloadIssues("asset", "CREATE", {}).map((i) => i.path)).toEqual([["name"]]);
    expect(payloadIssues("asset", "UPDATE", { notes: null })).toEqual([]);
    expect(payloadIssues("asset", "UPDATE", {})).toHaveLength(1);
    expect(payloadIssues("asset", "DELETE", { name: "x" })).toMatchObject([{ code: "unrecognized_keys", keys: ["name"] }]);
    expect(payloadIssues("asset", "DELETE", undefined)).toEqual([]);
  });

  test("text: any Unicode, emoji and right-to-left included; not NUL, lone surrogates or bidi embeddings, overrides and isolates", () => {
    for (const fine of ["Pompe à chaleur", "משאבה \u200F3", "مضخة", "Pump 🔧👩🏽‍🔧", "\uD83D\uDD27"]) {
      expect(payloadIssues("asset", "CREATE", { name: fine }), fine).toEqual([]);
    }
    for (const poison of ["\uD800", "a\uDFFF", "\uDC00\uD800", "x\u0000", "\u202Atxt", "\u202E", "\u2066", "\u2069"]) {
      expect(payloadIssues("asset", "CREATE", { name: poison }).map((i) => i.path), JSON.stringify(poison)).toEqual([["name"]]);
    }
  });

  test("a change's timestamp may carry an offset but must fall within 0001 and 9999 in UTC", () => {
    const at = (timestamp: string) => pushBodySchema.safeParse({ deviceId: "d", changes: [change({ timestamp })] }).success;
    expect(at("9999-12-31T23:59:59.999+14:00")).toBe(true);
    expect(at("9999-12-31T23:59:59.999-14:00")).toBe(false);
    expect(at("0001-01-01T00:00:00.000-01:00")).toBe(true);
    expect(at("0001-01-01T00:00:00.000+01:00")).toBe(false);
  });

  test("timestamps must be UTC ISO strings with milliseconds, as Date#toISOString writes them", () => {
    const task = { assetId: "7b0c5a0e-4a43-4a55-9a2b-1c1c7e0e0a02", title: "T" };
    expect(payloadIssues("task", "CREATE", { ...task, dueAt: "2026-01-01T10:00:00.000Z" })).toEqual([]);
    expect(payloadIssues("task", "CREATE", { ...task, dueAt: "2026-01-01T10:00:00+02:00" })).toHaveLength(1);
  });

  test("issues carry the full path inside a push body", () => {
    const result = pushBodySchema.safeParse({ deviceId: "d", changes: [change({}), change({ payload: { name: "x", version: 3 } })] });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toMatchObject([{ path: ["changes", 1, "payload"], code: "unrecognized_keys", keys: ["version"] }]);
  });

  test("toEntityData fills defaults, then null for every absent field", () => {
    expect(toEntityData("asset", { name: "Pump" })).toEqual({ name: "Pump", serialNumber: null, location: null, notes: null, status: "OPERATIONAL" });
    for (const type of entityTypes) expect(Object.keys(toEntityData(type, {}))).toEqual(entityFields(type));
  });
});
