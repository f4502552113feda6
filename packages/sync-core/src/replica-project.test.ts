import { expect, test } from "vitest";
import { project } from "./replica-project.ts";

const server = { name: "Pump", serialNumber: null, location: "Hall 1", notes: null, status: "OPERATIONAL" };

test("replays queued changes over the server copy", () => {
  const data = project("asset", server, [
    { operation: "UPDATE", payload: { location: "Hall 2" } },
    { operation: "UPDATE", payload: { notes: "leaks" } },
  ]);
  expect(data).toEqual({ ...server, location: "Hall 2", notes: "leaks" });
});

test("a create fills defaults and absent fields; a delete hides the entity", () => {
  expect(project("asset", null, [{ operation: "CREATE", payload: { name: "New" } }])).toEqual({
    name: "New",
    serialNumber: null,
    location: null,
    notes: null,
    status: "OPERATIONAL",
  });
  expect(project("asset", server, [{ operation: "DELETE", payload: {} }])).toBeNull();
});

test("an update of an entity the server deleted does not resurrect it", () => {
  expect(project("asset", null, [{ operation: "UPDATE", payload: { name: "x" } }])).toBeNull();
});
