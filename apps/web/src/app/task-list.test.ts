import { expect, test } from "vitest";
import { anyTask, filterTasks, taskRows, taskSites } from "./task-list.ts";

const assets = [
  { id: "boiler", data: { name: "Boiler B-1", location: "Basement" } },
  { id: "chiller", data: { name: "Chiller C-2", location: "Roof" } },
  { id: "pump", data: { name: "Pump P-3", location: null } },
];
const task = (title: string, assetId: string, extra: Record<string, unknown> = {}) => ({
  id: title,
  data: { assetId, title, status: "OPEN", priority: "NORMAL", dueAt: null, assigneeId: null, ...extra },
});
const rows = taskRows(
  [
    task("Bleed radiators", "boiler", { status: "DONE", priority: "URGENT" }),
    task("Annual boiler inspection", "boiler", { priority: "HIGH", dueAt: "2026-12-15T09:00:00.000Z", assigneeId: "me" }),
    task("Replace chiller filter", "chiller", { status: "IN_PROGRESS", dueAt: "2026-12-01T09:00:00.000Z" }),
    task("Check boiler flue", "boiler", { dueAt: "2026-12-03T09:00:00.000Z" }),
    task("Check pump seal", "pump", { priority: "URGENT" }),
    task("Orphan", "unknown"),
  ],
  assets,
  "me",
);

test("working order: open before done, most pressing priority, soonest due (none last), then title", () => {
  expect(rows.map((row) => row.title)).toEqual([
    "Check pump seal",
    "Annual boiler inspection",
    "Replace chiller filter",
    "Check boiler flue",
    "Orphan",
    "Bleed radiators",
  ]);
  expect(rows[1]).toEqual({
    id: "Annual boiler inspection",
    title: "Annual boiler inspection",
    assetId: "boiler",
    assetName: "Boiler B-1",
    site: "Basement",
    status: "OPEN",
    priority: "HIGH",
    dueAt: "2026-12-15T09:00:00.000Z",
    mine: true,
  });
  expect(rows.find((row) => row.title === "Orphan")).toMatchObject({ assetName: null, site: null, mine: false });
});

test("search matches every word of the title in any case; filters combine", () => {
  const titles = (query: Partial<typeof anyTask>) => filterTasks(rows, { ...anyTask, ...query }).map((row) => row.title);
  expect(titles({ search: "BOILER  check" })).toEqual(["Check boiler flue"]);
  expect(titles({ search: "basement" })).toEqual([]);
  expect(titles({ site: "Basement" })).toEqual(["Annual boiler inspection", "Check boiler flue", "Bleed radiators"]);
  expect(titles({ site: "Basement", status: "OPEN" })).toEqual(["Annual boiler inspection", "Check boiler flue"]);
  expect(titles({ priority: "URGENT", status: "OPEN" })).toEqual(["Check pump seal"]);
  expect(titles({ status: "IN_PROGRESS", search: "filter" })).toEqual(["Replace chiller filter"]);
  expect(filterTasks(rows, anyTask)).toEqual(rows);
});

test("the site filter offers each site once", () => {
  expect(taskSites(rows)).toEqual(["Basement", "Roof"]);
});
