import { entityTypes, getEntity } from "@fieldsync/schema";
import { expect, test } from "vitest";
import { buildRow } from "./replica.ts";
import { childKeys, parentKey, parentKeys, referenceFields } from "./replica-parents.ts";

const assetId = "00000000-0000-4000-8000-0000000000d1";

test("every reference field of the registry is a parent lookup, and nothing else is", () => {
  for (const type of entityTypes) expect(referenceFields(type)).toEqual(Object.keys(getEntity(type).references));
  expect(referenceFields("task")).toEqual(["assetId"]);
  expect(referenceFields("asset")).toEqual([]);
});

test("an entity is indexed under each reference it holds; a child lookup asks for the same keys", () => {
  expect(parentKeys("task", { title: "Bleed", assetId })).toEqual([parentKey("assetId", assetId)]);
  expect(parentKeys("task", { title: "Loose", assetId: null })).toEqual([]);
  expect(parentKeys("asset", { name: "Pump", assetId })).toEqual([]);
  expect(childKeys("schedule", assetId)).toEqual(parentKeys("schedule", { assetId }));
});

test("a deleted entity keeps the parents of its server copy, so its tombstone is still found under them", () => {
  const row = buildRow("task", "t1", { serverData: { title: "Bleed", assetId }, version: 3 }, [{ operation: "DELETE", payload: {} }], "now");
  expect(row).toMatchObject({ data: null, deleted: 1, pending: 1, parents: [parentKey("assetId", assetId)] });
});
