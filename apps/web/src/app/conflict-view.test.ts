import type { Conflict } from "@fieldsync/schema";
import { expect, test } from "vitest";
import {
  actionLabel,
  canMerge,
  conflictRows,
  mergedData,
  primaryAction,
  sideWords,
  suggestedChoices,
  suggestionReason,
} from "./conflict-view.ts";

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
  clientEdit: { userId: "tara", userName: "Tara Technician", deviceId: "web-1", deviceName: null, at: "2026-01-01T09:00:00.000Z" },
  serverEdit: { userId: "theo", userName: "Theo Technician", deviceId: "web-2", deviceName: "Theo's Pixel 7", at: "2026-01-01T10:00:00.000Z" },
};
const variant = (patch: Partial<Conflict>): Conflict => ({ ...conflict, ...patch });
const tara = "tara";
const ada = "ada";

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

test("the preselected values are what the primary action does: SERVER_WINS → the server's, CLIENT_WINS → mine", () => {
  const twoFields = variant({ conflictingFields: ["name", "location"] });
  const serverWins = { ...twoFields, suggestedResolution: "SERVER_WINS" } satisfies Conflict;
  expect(suggestedChoices(serverWins)).toEqual({ name: "server", location: "server" });
  expect(primaryAction(serverWins, suggestedChoices(serverWins))).toBe("SERVER_WINS");
  expect(actionLabel(serverWins, "SERVER_WINS", tara)).toBe("Keep Theo Technician's");

  const clientWins = { ...twoFields, suggestedResolution: "CLIENT_WINS" } satisfies Conflict;
  expect(suggestedChoices(clientWins)).toEqual({ name: "client", location: "client" });
  expect(primaryAction(clientWins, suggestedChoices(clientWins))).toBe("CLIENT_WINS");
  expect(actionLabel(clientWins, "CLIENT_WINS", tara)).toBe("Keep mine");
});

test("MERGE preselects per field: the field's own suggestion, else the type's policy side; the primary action merges", () => {
  const merge = variant({ conflictingFields: ["name", "location"], suggestedResolution: "MERGE" });
  // The asset policy prefers the device's edit (CLIENT_WINS).
  expect(suggestedChoices(merge)).toEqual({ name: "client", location: "client" });
  const learned = variant({
    ...merge,
    fieldSuggestions: [{ field: "location", side: "server", source: "learned", kept: 5, of: 5, basis: "field", confidence: 0.65, reason: "Your team kept the saved value in 5 of 5 past conflicts" }],
  });
  expect(suggestedChoices(learned)).toEqual({ name: "client", location: "server" });
  expect(primaryAction(learned, suggestedChoices(learned))).toBe("MERGE");
  expect(primaryAction(merge, suggestedChoices(merge))).toBe("MERGE");
  expect(actionLabel(merge, "MERGE", tara)).toBe("Merge selected fields");
  expect(actionLabel({ ...merge, conflictingFields: [] }, "MERGE", tara)).toBe("Keep both edits");
});

test("picking another value than suggested makes the primary action merge what was picked", () => {
  const serverWins = variant({ suggestedResolution: "SERVER_WINS" });
  const choices = { ...suggestedChoices(serverWins), name: "client" as const };
  expect(primaryAction(serverWins, choices)).toBe("MERGE");
  expect(mergedData(serverWins, choices)).toEqual({ name: "Pump (mine)" });
  // Picking the suggested value again restores the suggestion.
  expect(primaryAction(serverWins, { name: "server" })).toBe("SERVER_WINS");
});

test("a conflict with a deleted side keeps to the suggestion, or the policy's side when it says merge", () => {
  const deleted = variant({ operation: "DELETE", clientData: null });
  expect(primaryAction({ ...deleted, suggestedResolution: "SERVER_WINS" } satisfies Conflict, {})).toBe("SERVER_WINS");
  expect(primaryAction({ ...deleted, suggestedResolution: "MANUAL" } satisfies Conflict, {})).toBe("CLIENT_WINS");
});

test("each side says whose edit it is: mine and the other person's for a technician, both names for an admin", () => {
  expect(sideWords(conflict, "client", tara)).toMatchObject({ heading: "Your edit", keep: "Keep mine", at: "2026-01-01T09:00:00.000Z" });
  expect(sideWords(conflict, "server", tara)).toMatchObject({ heading: "Theo Technician's edit", keep: "Keep Theo Technician's", where: null });
  expect(sideWords(conflict, "client", ada).heading).toBe("Tara Technician's edit");
  expect(sideWords(conflict, "server", ada).heading).toBe("Theo Technician's edit");
});

test("two edits of one person are told apart by device; a write without a user is the server's", () => {
  const mine = { ...conflict, serverEdit: { ...conflict.serverEdit!, userId: tara, userName: "Tara Technician" } };
  expect(sideWords(mine, "client", tara).heading).toBe("Your edit (web-1)");
  expect(sideWords(mine, "server", tara)).toMatchObject({ heading: "Your edit (Theo's Pixel 7)", keep: "Keep mine (Theo's Pixel 7)" });
  const system = { ...conflict, serverEdit: { ...conflict.serverEdit!, userId: "system", userName: null } };
  expect(sideWords(system, "server", tara)).toMatchObject({ heading: "Server's version", keep: "Keep the server's" });
});

test("the suggestion's reason follows the rules: the newer edit, disjoint fields, or the type's default", () => {
  expect(suggestionReason({ ...conflict, suggestedResolution: "SERVER_WINS" }, tara)).toBe("Theo Technician's edit is the newer one.");
  expect(suggestionReason({ ...conflict, suggestedResolution: "MERGE" }, tara)).toBe("The edits change different fields, so both can be kept.");
  expect(suggestionReason({ ...conflict, suggestedResolution: "CLIENT_WINS" }, tara)).toBe("Your edit is kept by default for assets.");
});
