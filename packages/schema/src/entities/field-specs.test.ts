import { expect, test } from "vitest";
import { entityFields, entityTypes } from "../registry.ts";
import { entityLabel, entityTitle, fieldDescription, fieldLabel, fieldSpecs, valueLabel } from "./field-specs.ts";

test("inputs derive from the zod types: text, long text, enum select, date, number with bounds, reference", () => {
  expect(fieldSpecs("schedule")).toEqual([
    { name: "assetId", label: "Asset", kind: "reference", references: "asset", required: true },
    { name: "title", label: "Title", kind: "text", required: true },
    { name: "intervalDays", label: "Every (days)", kind: "number", min: 1, max: 3650, required: true },
    { name: "nextDueAt", label: "Next due", kind: "date", required: true },
    { name: "notes", label: "Notes", kind: "textarea", required: false },
  ]);
  expect(fieldSpecs("task").find((spec) => spec.name === "priority")).toEqual({
    name: "priority",
    label: "Priority",
    kind: "select",
    required: false,
    options: [
      { value: "LOW", label: "Low" },
      { value: "NORMAL", label: "Normal" },
      { value: "HIGH", label: "High" },
      { value: "URGENT", label: "Urgent" },
    ],
  });
  expect(fieldSpecs("task").find((spec) => spec.name === "dueAt")).toMatchObject({ kind: "date", required: false });
  expect(fieldSpecs("task").find((spec) => spec.name === "assigneeId")).toEqual({ name: "assigneeId", label: "Assigned to", kind: "user", required: false });
});

test("every field of every type has a label of its own, and every enum value one", () => {
  for (const type of entityTypes) {
    expect(fieldSpecs(type).map((spec) => spec.name)).toEqual(entityFields(type));
    for (const spec of fieldSpecs(type)) {
      expect(spec.label, `${type}.${spec.name}`).not.toBe(spec.name);
      for (const option of spec.options ?? []) expect(option.label, `${type}.${spec.name}=${option.value}`).not.toBe(option.value);
    }
  }
});

test("values and names in plain words; unknown ones shown as they are", () => {
  expect(valueLabel("asset", "status", "MAINTENANCE")).toBe("In maintenance");
  expect(valueLabel("task", "status", "IN_PROGRESS")).toBe("In progress");
  expect(valueLabel("asset", "name", "Pump")).toBe("Pump");
  expect(fieldLabel("asset", "serialNumber")).toBe("Serial number");
  expect(fieldLabel("asset", "legacyCode")).toBe("legacyCode");
  expect([entityLabel("task"), entityLabel("task", true)]).toEqual(["Task", "Tasks"]);
  expect(entityTitle("asset", { name: "Pump P-3" })).toBe("Pump P-3");
  expect(entityTitle("task", { title: "" })).toBeNull();
  expect(entityTitle("task", null)).toBeNull();
});

test("API descriptions carry the label, the enum values' meaning and the referenced type", () => {
  expect(fieldDescription("asset", "serialNumber")).toBe("Serial number");
  expect(fieldDescription("asset", "status")).toBe("Status. OPERATIONAL: Operational; MAINTENANCE: In maintenance; RETIRED: Retired");
  expect(fieldDescription("task", "assetId")).toBe("Asset: the id of an asset.");
});
