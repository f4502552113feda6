import { expect, test } from "vitest";
import { collapse } from "./collapse.ts";
import type { OutboxEntry } from "./local-db.ts";

const entry = (patch: Partial<OutboxEntry>): OutboxEntry => ({
  seq: 1,
  changeId: "c1",
  entityType: "asset",
  entityId: "e1",
  operation: "UPDATE",
  payload: { name: "a" },
  baseVersion: 4,
  timestamp: "2026-01-01T00:00:00.000Z",
  status: "pending",
  attempts: 0,
  conflictId: null,
  error: null,
  ...patch,
});

const later = "2026-01-01T00:05:00.000Z";

test("two updates become one, keeping the first base version and changeId", () => {
  const outcome = collapse(entry({}), "UPDATE", { location: "b" }, later);
  expect(outcome).toEqual({ kind: "replace", entry: entry({ payload: { name: "a", location: "b" }, timestamp: later }) });
});

test("an update folds into an unsent create", () => {
  const outcome = collapse(entry({ operation: "CREATE", baseVersion: 0 }), "UPDATE", { name: "b" }, later);
  expect(outcome.kind === "replace" && outcome.entry).toMatchObject({ operation: "CREATE", payload: { name: "b" }, baseVersion: 0 });
});

test("delete after an unsent update keeps the update's base", () => {
  const outcome = collapse(entry({}), "DELETE", {}, later);
  expect(outcome.kind === "replace" && outcome.entry).toMatchObject({ operation: "DELETE", payload: {}, baseVersion: 4, changeId: "c1" });
});

test("delete after an unsent create cancels both", () => {
  expect(collapse(entry({ operation: "CREATE", baseVersion: 0 }), "DELETE", {}, later)).toEqual({ kind: "drop" });
});

test("a change already sent once, or waiting on a conflict, is never rewritten", () => {
  expect(collapse(entry({ attempts: 1 }), "UPDATE", { name: "b" }, later)).toEqual({ kind: "append" });
  expect(collapse(entry({ status: "conflict", conflictId: "x" }), "UPDATE", { name: "b" }, later)).toEqual({ kind: "append" });
  expect(collapse(undefined, "UPDATE", { name: "b" }, later)).toEqual({ kind: "append" });
});

test("edits after a queued delete are refused", () => {
  expect(() => collapse(entry({ operation: "DELETE", payload: {} }), "UPDATE", { name: "b" }, later)).toThrow(/already deleted/);
});
