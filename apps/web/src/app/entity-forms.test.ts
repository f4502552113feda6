import { getEntity } from "@fieldsync/schema";
import { expect, test } from "vitest";
import { changedFields, formFields, fromFormValues, toFormValues, withoutNulls } from "./entity-forms.ts";

test("form values round-trip through entity data", () => {
  const data = { title: "Service", intervalDays: 30, nextDueAt: "2026-12-01T00:00:00.000Z", notes: null };
  const values = toFormValues(formFields.schedule, data);
  expect(values).toEqual({ title: "Service", intervalDays: "30", nextDueAt: "2026-12-01", notes: "" });
  expect(fromFormValues(formFields.schedule, values)).toEqual(data);
});

test("cleared optional fields become null and an edit sends only what changed", () => {
  const current = { name: "Pump", serialNumber: "S-1", location: "Hall", notes: null, status: "OPERATIONAL" };
  const values = { ...toFormValues(formFields.asset, current), serialNumber: "  ", location: "Roof " };
  expect(changedFields(fromFormValues(formFields.asset, values), current)).toEqual({ serialNumber: null, location: "Roof" });
});

test("a new entity starts from the schema's defaults and leaves empty optional fields out", () => {
  const values = toFormValues(formFields.task, getEntity("task").defaults);
  expect(values).toEqual({ title: "", status: "OPEN", priority: "NORMAL", dueAt: "", notes: "" });
  expect(withoutNulls(fromFormValues(formFields.task, { ...values, title: "Fix" }))).toEqual({ title: "Fix", status: "OPEN", priority: "NORMAL" });
});
