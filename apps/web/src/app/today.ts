import { type EntityType, entityTitle } from "@fieldsync/schema";
import { localDayStart } from "./local-day.ts";

// What a technician's day holds, from the rows on the device alone: open tasks and schedules due
// today or earlier, the user's own first, and what comes later this week. Days are the device's
// local calendar days, the ones the technician lives in.

/** The minimum the selection needs of a stored row. */
export interface DueSource {
  id: string;
  data: Record<string, unknown> | null;
}

/** overdue: due before today; today: due today; week: due in the six days after today. */
export type DueReason = "overdue" | "today" | "week";

export interface DueItem {
  type: Extract<EntityType, "task" | "schedule">;
  id: string;
  title: string;
  assetId: string;
  dueAt: string;
  reason: DueReason;
  /** A task assigned to the signed-in user (schedules belong to the team). */
  mine: boolean;
}

export interface TodayList {
  /** Overdue and due today: the user's own first, then the team's; each part overdue first, oldest first. */
  due: DueItem[];
  /** Due later this week, soonest first. */
  week: DueItem[];
}

const weekDays = 7;

/** Where today starts and ends and the week after it ends, as times. */
interface DayBounds {
  today: number;
  tomorrow: number;
  weekEnd: number;
}

function reasonFor(dueAt: string, bounds: DayBounds): DueReason | null {
  const due = Date.parse(dueAt);
  if (Number.isNaN(due) || due >= bounds.weekEnd) return null;
  if (due < bounds.today) return "overdue";
  return due < bounds.tomorrow ? "today" : "week";
}

const byDue = (a: DueItem, b: DueItem) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.title.localeCompare(b.title);
const byOwnerThenDue = (a: DueItem, b: DueItem) => Number(b.mine) - Number(a.mine) || byDue(a, b);

function item(type: DueItem["type"], row: DueSource, dueField: string, userId: string, bounds: DayBounds): DueItem | null {
  const data = row.data;
  const dueAt = data?.[dueField];
  if (!data || typeof dueAt !== "string") return null;
  const reason = reasonFor(dueAt, bounds);
  if (!reason) return null;
  const title = entityTitle(type, data) ?? row.id;
  return { type, id: row.id, title, assetId: String(data["assetId"]), dueAt, reason, mine: type === "task" && data["assigneeId"] === userId };
}

/**
 * The Today screen's lists for `userId` at `now` (days of `timeZone`, default the device's): tasks
 * not done and every schedule, by due date.
 */
export function todayList(rows: { tasks: readonly DueSource[]; schedules: readonly DueSource[] }, userId: string, now: Date, timeZone?: string): TodayList {
  const dayStart = (days: number) => localDayStart(now, days, timeZone).getTime();
  const bounds: DayBounds = { today: dayStart(0), tomorrow: dayStart(1), weekEnd: dayStart(weekDays) };
  const items = [
    ...rows.tasks.filter((task) => task.data?.["status"] !== "DONE").map((task) => item("task", task, "dueAt", userId, bounds)),
    ...rows.schedules.map((schedule) => item("schedule", schedule, "nextDueAt", userId, bounds)),
  ].filter((candidate): candidate is DueItem => candidate !== null);
  return {
    due: items.filter((candidate) => candidate.reason !== "week").sort(byOwnerThenDue),
    week: items.filter((candidate) => candidate.reason === "week").sort(byDue),
  };
}
