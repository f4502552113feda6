import type { Conflict } from "@fieldsync/schema";
import { expect, test } from "vitest";
import { canMerge, conflictRows, mergedData } from "./conflict-view.ts";

const base = { name: "Pump", serialNumber: null, location: "Hall 1", notes: null, status: "OPERATIONAL" };
const conflict: Conflict = {
  id: "6f1c1d38-6a57-4c4b-9d5e-6c0a3a0a0a01",
  entityType: "asset",
  entityId: "6f1c1d38-6a57-4c4b-9d5e-6c0a3a0a0a02",
  operation: "UPDATE",
  clientVersion: 1,
  serverVersion: 2,
  baseData: base,
  clientData: { ...base, name: "Pump (mine)", notes: "seal" },
  serverData: { ...base, name: "Pump (theirs)", location: "Hall 2" },
  conflictingFields: ["name"],
  suggestedResolution: "CLIENT_WINS",
  resolution: "MANUAL",
  resolvedBy: null,
  resolvedAt: null,
  deviceId: "web-1",
  changeId: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  fieldSuggestions: [],
};

test("rows show every field by its label with base, mine and theirs, flagging the conflicting ones", () => {
  const rows = conflictRows(conflict);
  expect(rows.map((row) => row.field)).toEqual(["name", "serialNumber", "location", "notes", "status"]);
  expect(rows.map((row) => row.spec.label)).toEqual(["Name", "Serial number", "Location", "Notes", "Status"]);
  expect(rows.find((row) => row.field === "name")).toMatchObject({ field: "name", base: "Pump", client: "Pump (mine)", server: "Pump (theirs)", conflicting: true });
  expect(rows.filter((row) => row.conflicting)).toHaveLength(1);
});

test("merged data names only the conflicting fields, taking the chosen side", () => {
  expect(mergedData(conflict, {})).toEqual({ name: "Pump (theirs)" });
  expect(mergedData(conflict, { name: "client" })).toEqual({ name: "Pump (mine)" });
});

test("a conflict with a deleted side cannot be merged field by field", () => {
  expect(canMerge(conflict)).toBe(true);
  expect(canMerge({ ...conflict, operation: "DELETE", clientData: null })).toBe(false);
});
