import fc from "fast-check";
import { expect, test } from "vitest";
import { taskSchema } from "./entities/task.ts";
import { entityTypes, getEntity, upgradeEntityPayload } from "./registry.ts";
import { oldestSupportedSchemaVersion, schemaVersion, unversionedSchemaVersion } from "./schema-version.ts";
import { taskToV2, taskV2Schema } from "./test-support/task-v2.ts";
import { type PayloadUpgrade, upgradePayload } from "./upgrade.ts";

const assetId = "6f1c2a1e-4b7d-4c2e-9a3b-1d2e3f4a5b6c";
const dueAt = "2026-12-01T08:00:00.000Z";
const toV2 = (operation: "CREATE" | "UPDATE" | "DELETE", payload: Record<string, unknown>) => upgradePayload([taskToV2], operation, payload, 1, 2);

test("a CREATE: the field renamed, the new field filled, the split value picked by its rule", () => {
  expect(toV2("CREATE", { assetId, title: "Bleed radiators", status: "OPEN", notes: "ladder in van" })).toEqual({
    assetId, title: "Bleed radiators", status: "OPEN", details: "ladder in van", estimateMinutes: 60,
  });
  expect(toV2("CREATE", { assetId, title: "Bleed radiators", status: "OPEN", dueAt })).toMatchObject({ status: "SCHEDULED", estimateMinutes: 60 });
  // A CREATE that already names the new field (it cannot, under v1; but upgrading twice must not overwrite).
  expect(toV2("CREATE", { assetId, title: "t", estimateMinutes: 15 })).toMatchObject({ estimateMinutes: 15 });
});

test("a partial UPDATE: renamed and split, but no default added over what the entity holds", () => {
  expect(toV2("UPDATE", { notes: "done by Theo" })).toEqual({ details: "done by Theo" });
  expect(toV2("UPDATE", { status: "OPEN" })).toEqual({ status: "OPEN" });
  expect(toV2("UPDATE", { status: "OPEN", dueAt })).toEqual({ status: "SCHEDULED", dueAt });
  expect(toV2("UPDATE", { status: "DONE", notes: null })).toEqual({ status: "DONE", details: null });
  expect(toV2("DELETE", {})).toEqual({});
});

test("only the steps between the two versions apply, in version order; the input is left alone", () => {
  const toV3: PayloadUpgrade = { to: 3, rename: { details: "description" } };
  const input = { notes: "n" };
  expect(upgradePayload([toV3, taskToV2], "UPDATE", input, 1, 3)).toEqual({ description: "n" });
  expect(upgradePayload([toV3, taskToV2], "UPDATE", input, 2, 3)).toEqual({ notes: "n" });
  expect(upgradePayload([toV3, taskToV2], "UPDATE", input, 1, 2)).toEqual({ details: "n" });
  expect(upgradePayload([toV3, taskToV2], "UPDATE", input, 3, 3)).toEqual({ notes: "n" });
  expect(input).toEqual({ notes: "n" });
});

const instant = fc.date({ min: new Date("2000-01-01T00:00:00.000Z"), max: new Date("2100-01-01T00:00:00.000Z"), noInvalidDate: true }).map((d) => d.toISOString());
const v1Fields = {
  assetId: fc.uuid({ version: 4 }),
  title: fc.string({ minLength: 1, maxLength: 40 }),
  status: fc.constantFrom("OPEN", "IN_PROGRESS", "DONE"),
  priority: fc.constantFrom("LOW", "NORMAL", "HIGH", "URGENT"),
  dueAt: fc.option(instant),
  assigneeId: fc.option(fc.uuid({ version: 4 })),
  notes: fc.option(fc.string({ maxLength: 60 })),
};
const validV1 = (operation: "CREATE" | "UPDATE") =>
  fc
    .record(v1Fields, { requiredKeys: operation === "CREATE" ? ["assetId", "title"] : [] })
    .map((payload) => (operation === "CREATE" ? taskSchema : taskSchema.partial()).safeParse(payload))
    .filter((parsed) => parsed.success && Object.keys(parsed.data).length > 0)
    .map((parsed) => parsed.data as Record<string, unknown>);

test("property: a valid v1 CREATE upgrades to a valid v2 CREATE", () => {
  fc.assert(fc.property(validV1("CREATE"), (payload) => {
    expect(taskV2Schema.safeParse(toV2("CREATE", payload)).success).toBe(true);
  }));
});

test("property: a valid v1 UPDATE upgrades to a valid v2 UPDATE naming the same fields (renamed), and no others", () => {
  fc.assert(fc.property(validV1("UPDATE"), (payload) => {
    const upgraded = toV2("UPDATE", payload);
    expect(taskV2Schema.partial().safeParse(upgraded).success).toBe(true);
    expect(Object.keys(upgraded).sort()).toEqual(Object.keys(payload).map((key) => (key === "notes" ? "details" : key)).sort());
  }));
});

test("property: upgrading is total, any object in and an object out, the input untouched", () => {
  fc.assert(fc.property(fc.constantFrom("CREATE", "UPDATE", "DELETE" as const), fc.dictionary(fc.string(), fc.jsonValue()), (operation, payload) => {
    const before = structuredClone(payload);
    expect(typeof toV2(operation, payload)).toBe("object");
    expect(payload).toEqual(before);
  }));
});

test("the registry's upgrades: steps within the supported versions, one per version at most", () => {
  expect(unversionedSchemaVersion).toBeLessThanOrEqual(oldestSupportedSchemaVersion);
  expect(oldestSupportedSchemaVersion).toBeLessThanOrEqual(schemaVersion);
  for (const type of entityTypes) {
    const targets = (getEntity(type).upgrades ?? []).map((step) => step.to);
    expect(new Set(targets).size, type).toBe(targets.length);
    for (const to of targets) expect(to > 1 && to <= schemaVersion, `${type} step to ${to}`).toBe(true);
  }
  // This build's own payloads pass through unchanged.
  expect(upgradeEntityPayload("task", "UPDATE", { notes: "n" }, schemaVersion)).toEqual({ notes: "n" });
});
