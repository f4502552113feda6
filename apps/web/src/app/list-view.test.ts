import { expect, test } from "vitest";
import { emptyQuery, filterItems, listEntries, listItems, siteRule, sitesOf, sortItems } from "./list-view.ts";

const asset = (id: string, name: string, location: string | null, status = "OPERATIONAL") => ({
  id,
  data: { name, serialNumber: `SN-${id}`, location, notes: "long notes are not searched", status },
});

const assets = [
  asset("a1", "Meter 10", "Roof"),
  asset("a2", "Meter 2", "Basement", "MAINTENANCE"),
  asset("a3", "meter 1", null, "RETIRED"),
  asset("a4", "Pump", "Roof", "MAINTENANCE"),
  asset("a5", "Meter 2", "Yard"),
];

const titles = (items: { title: string }[]) => items.map((item) => item.title);
const ids = (items: { source: { id: string } }[]) => items.map((item) => item.source.id);

test("natural order: numbers by value, case ignored, equal titles by id", () => {
  expect(ids(sortItems("asset", listItems("asset", assets), "title"))).toEqual(["a3", "a2", "a5", "a1", "a4"]);
});

test("by an enum field in the schema's order of values, then by title", () => {
  const sorted = sortItems("asset", listItems("asset", assets), "status");
  expect(sorted.map((item) => `${item.values["status"]} ${item.title}`)).toEqual([
    "OPERATIONAL Meter 2",
    "OPERATIONAL Meter 10",
    "MAINTENANCE Meter 2",
    "MAINTENANCE Pump",
    "RETIRED meter 1",
  ]);
});

test("by site in natural order, items without a site last", () => {
  expect(ids(sortItems("asset", listItems("asset", assets), "site"))).toEqual(["a2", "a1", "a4", "a5", "a3"]);
});

test("filters by enum value and site together, keeping the order", () => {
  const sorted = sortItems("asset", listItems("asset", assets), "title");
  expect(ids(filterItems(sorted, { ...emptyQuery, filters: { status: "MAINTENANCE" } }))).toEqual(["a2", "a4"]);
  expect(ids(filterItems(sorted, { ...emptyQuery, site: "Roof" }))).toEqual(["a1", "a4"]);
  expect(ids(filterItems(sorted, { ...emptyQuery, site: "Roof", filters: { status: "MAINTENANCE" } }))).toEqual(["a4"]);
});

test("search matches every word in title, single-line text fields and site, not notes", () => {
  const items = listItems("asset", assets);
  expect(ids(filterItems(items, { ...emptyQuery, search: "METER roof" }))).toEqual(["a1"]);
  expect(ids(filterItems(items, { ...emptyQuery, search: "sn-a4" }))).toEqual(["a4"]);
  expect(filterItems(items, { ...emptyQuery, search: "notes" })).toEqual([]);
  expect(filterItems(items, { ...emptyQuery, search: "  " })).toHaveLength(assets.length);
});

test("grouping by site: a heading per site in natural order with its count, no site last", () => {
  const entries = listEntries(sortItems("asset", listItems("asset", assets), "title"), true);
  expect(entries.map((entry) => (entry.kind === "group" ? `# ${entry.site} (${entry.count})` : entry.item.title))).toEqual([
    "# Basement (1)",
    "Meter 2",
    "# Roof (2)",
    "Meter 10",
    "Pump",
    "# Yard (1)",
    "Meter 2",
    "# null (1)",
    "meter 1",
  ]);
  expect(listEntries(listItems("asset", assets), false).every((entry) => entry.kind === "item")).toBe(true);
  expect(sitesOf(listItems("asset", assets))).toEqual(["Basement", "Roof", "Yard"]);
});

test("a type scoped through a reference takes its parent's site and title", () => {
  expect(siteRule("task")).toEqual({ label: "Location", field: "location", through: { field: "assetId", type: "asset" } });
  const parents = new Map(assets.map((row) => [row.id, row]));
  const tasks = [
    { id: "t1", data: { assetId: "a4", title: "Grease bearings", status: "OPEN", priority: "HIGH" } },
    { id: "t2", data: { assetId: "gone", title: "Orphan", status: "DONE", priority: "LOW" } },
  ];
  const items = listItems("task", tasks, parents);
  expect(items.map(({ site, parentTitle, values }) => ({ site, parentTitle, values }))).toEqual([
    { site: "Roof", parentTitle: "Pump", values: { status: "OPEN", priority: "HIGH" } },
    { site: null, parentTitle: null, values: { status: "DONE", priority: "LOW" } },
  ]);
  // The asset's name finds its tasks.
  expect(titles(filterItems(items, { ...emptyQuery, search: "pump" }))).toEqual(["Grease bearings"]);
  expect(titles(sortItems("task", items, "priority"))).toEqual(["Orphan", "Grease bearings"]);
});
