import { describe, expect, test } from "vitest";
import { type ListQuery, emptyQuery, filterItems, listEntries, listItems, siteRule, sitesOf, sortByWork, sortItems } from "./list-view.ts";

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

const titles = (items: readonly { title: string }[]) => items.map((item) => item.title);
const ids = (items: readonly { source: { id: string } }[]) => items.map((item) => item.source.id);

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

describe("the task list (Tasks screen)", () => {
  const sites = [
    { id: "boiler", data: { name: "Boiler B-1", location: "Basement" } },
    { id: "chiller", data: { name: "Chiller C-2", location: "Roof" } },
    { id: "pump", data: { name: "Pump P-3", location: null } },
  ];
  const task = (title: string, assetId: string, extra: Record<string, unknown> = {}) => ({
    id: title,
    data: { assetId, title, status: "OPEN", priority: "NORMAL", dueAt: null, assigneeId: null, ...extra },
  });
  const items = sortByWork(
    listItems(
      "task",
      [
        task("Bleed radiators", "boiler", { status: "DONE", priority: "URGENT" }),
        task("Annual boiler inspection", "boiler", { priority: "HIGH", dueAt: "2026-12-15T09:00:00.000Z", assigneeId: "me" }),
        task("Replace chiller filter", "chiller", { status: "IN_PROGRESS", dueAt: "2026-12-01T09:00:00.000Z" }),
        task("Check boiler flue", "boiler", { dueAt: "2026-12-03T09:00:00.000Z" }),
        task("Check pump seal", "pump", { priority: "URGENT" }),
        task("Orphan", "unknown"),
      ],
      new Map(sites.map((row) => [row.id, row])),
    ),
  );

  test("working order: open before done, most pressing priority, soonest due (none last), then title", () => {
    expect(titles(items)).toEqual(["Check pump seal", "Annual boiler inspection", "Replace chiller filter", "Check boiler flue", "Orphan", "Bleed radiators"]);
    expect(items[1]).toMatchObject({ title: "Annual boiler inspection", parentTitle: "Boiler B-1", site: "Basement", values: { status: "OPEN", priority: "HIGH" } });
    expect(items.find((item) => item.title === "Orphan")).toMatchObject({ parentTitle: null, site: null });
  });

  test("search matches every word in any case (titles, and the asset's name and site as on every list); filters combine", () => {
    const found = (query: Partial<ListQuery>) => titles(filterItems(items, { ...emptyQuery, ...query }));
    expect(found({ search: "BOILER  check" })).toEqual(["Check boiler flue"]);
    expect(found({ search: "filter" })).toEqual(["Replace chiller filter"]);
    expect(found({ search: "pump" })).toEqual(["Check pump seal"]);
    expect(found({ search: "roof" })).toEqual(["Replace chiller filter"]);
    expect(found({ site: "Basement" })).toEqual(["Annual boiler inspection", "Check boiler flue", "Bleed radiators"]);
    expect(found({ site: "Basement", filters: { status: "OPEN" } })).toEqual(["Annual boiler inspection", "Check boiler flue"]);
    expect(found({ filters: { priority: "URGENT", status: "OPEN" } })).toEqual(["Check pump seal"]);
    expect(found({ filters: { status: "IN_PROGRESS" }, search: "filter" })).toEqual(["Replace chiller filter"]);
    expect(filterItems(items, emptyQuery)).toEqual(items);
  });

  test("the site filter offers each site once", () => {
    expect(sitesOf(items)).toEqual(["Basement", "Roof"]);
  });
});
