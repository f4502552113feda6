import { getEntity } from "@fieldsync/schema";
import { expect, test } from "vitest";
import { changedFields, formFields, fromFormValues, toFormValues, withoutNulls } from "./entity-forms.ts";

test("form values round-trip through entity data", () => {
  const data = { assetId: "6f1c1d38-6a57-4c4b-9d5e-6c0a3a0a0a02", title: "Service", intervalDays: 30, nextDueAt: "2026-12-01T00:00:00.000Z", notes: null };
  const values = toFormValues(formFields("schedule"), data);
  expect(values).toEqual({ assetId: data.assetId, title: "Service", intervalDays: "30", nextDueAt: "2026-12-01", notes: "" });
  expect(fromFormValues(formFields("schedule"), values)).toEqual(data);
});

test("cleared optional fields become null and an edit sends only what changed", () => {
  const current = { name: "Pump", serialNumber: "S-1", location: "Hall", notes: null, status: "OPERATIONAL" };
  const values = { ...toFormValues(formFields("asset"), current), serialNumber: "  ", location: "Roof " };
  expect(changedFields(fromFormValues(formFields("asset"), values), current)).toEqual({ serialNumber: null, location: "Roof" });
});

test("a new entity starts from the schema's defaults and leaves empty optional fields out", () => {
  const specs = formFields("task", ["assetId"]);
  const values = toFormValues(specs, getEntity("task").defaults);
  expect(values).toEqual({ title: "", status: "OPEN", priority: "NORMAL", dueAt: "", assigneeId: "", notes: "" });
  expect(withoutNulls(fromFormValues(specs, { ...values, title: "Fix" }))).toEqual({ title: "Fix", status: "OPEN", priority: "NORMAL" });
});

test("forms come from the registry: every type has one, with labels and the screen's own fields left out", () => {
  expect(formFields("asset").map((spec) => [spec.label, spec.kind])).toEqual([
    ["Name", "text"],
    ["Serial number", "text"],
    ["Location", "text"],
    ["Notes", "textarea"],
    ["Status", "select"],
  ]);
  expect(formFields("task", ["assetId"]).map((spec) => spec.name)).toEqual(["title", "status", "priority", "dueAt", "assigneeId", "notes"]);
  // "Assigned to" picks one of the organization's users (EntityForm's user picker), or nobody.
  expect(formFields("task").find((spec) => spec.name === "assigneeId")).toMatchObject({ label: "Assigned to", kind: "user" });
  expect(formFields("schedule")[0]).toMatchObject({ name: "assetId", label: "Asset", kind: "reference", references: "asset", required: true });
});
