import { entityTitle, getEntity, taskPrioritySchema } from "@fieldsync/schema";
import type { DueSource } from "./today.ts";

// The task list across all assets: every task with its asset and site, in working order, and the
// search and filters the screen offers.

export interface TaskRow {
  id: string;
  title: string;
  assetId: string;
  assetName: string | null;
  /** Where the task is: its asset's scope field (the location a device subscribes by). */
  site: string | null;
  status: string | null;
  priority: string | null;
  dueAt: string | null;
  mine: boolean;
}

export interface TaskQuery {
  /** Words the title must all contain, in any case. */
  search: string;
  /** null keeps every value. */
  status: string | null;
  priority: string | null;
  site: string | null;
}

export const anyTask: TaskQuery = { search: "", status: null, priority: null, site: null };

const siteField = getEntity("asset").scope?.field;
const text = (value: unknown) => (value === null || value === undefined || value === "" ? null : String(value));
/** Most pressing first: the schema lists priorities from low to urgent. */
const priorityRank = (priority: string | null) => -taskPrioritySchema.options.indexOf(priority as never);
const dueOrder = (dueAt: string | null) => (dueAt ? Date.parse(dueAt) : Infinity);

/** Open work before done; then by priority, due date (none last) and title. */
const workingOrder = (a: TaskRow, b: TaskRow) =>
  Number(a.status === "DONE") - Number(b.status === "DONE") ||
  priorityRank(a.priority) - priorityRank(b.priority) ||
  dueOrder(a.dueAt) - dueOrder(b.dueAt) ||
  a.title.localeCompare(b.title);

export function taskRows(tasks: readonly DueSource[], assets: readonly DueSource[], userId: string): TaskRow[] {
  const assetsById = new Map(assets.map((asset) => [asset.id, asset.data]));
  return tasks
    .map((task): TaskRow => {
      const data = task.data ?? {};
      const asset = assetsById.get(String(data["assetId"]));
      return {
        id: task.id,
        title: entityTitle("task", data) ?? task.id,
        assetId: String(data["assetId"]),
        assetName: entityTitle("asset", asset),
        site: siteField ? text(asset?.[siteField]) : null,
        status: text(data["status"]),
        priority: text(data["priority"]),
        dueAt: text(data["dueAt"]),
        mine: data["assigneeId"] === userId,
      };
    })
    .sort(workingOrder);
}

export function filterTasks(rows: readonly TaskRow[], query: TaskQuery): TaskRow[] {
  const words = query.search.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter(
    (row) =>
      (query.status === null || row.status === query.status) &&
      (query.priority === null || row.priority === query.priority) &&
      (query.site === null || row.site === query.site) &&
      words.every((word) => row.title.toLowerCase().includes(word)),
  );
}

/** The sites tasks are at, for the site filter. */
export const taskSites = (rows: readonly TaskRow[]): string[] =>
  [...new Set(rows.flatMap((row) => (row.site === null ? [] : [row.site])))].sort((a, b) => a.localeCompare(b));
