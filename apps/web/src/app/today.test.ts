import { expect, test } from "vitest";
import { nextDueWhenDone } from "./local-day.ts";
import { todayList } from "./today.ts";

const me = "user-me";
const other = "user-other";
// Local times: the rule counts the device's calendar days.
const now = new Date(2026, 10, 30, 15, 0);
const at = (day: number, hour = 9) => new Date(2026, 10, 30 + day, hour).toISOString();

const task = (id: string, dueAt: string | null, extra: Record<string, unknown> = {}) => ({
  id,
  data: { assetId: "a1", title: id, status: "OPEN", dueAt, assigneeId: null, ...extra },
});
const schedule = (id: string, nextDueAt: string) => ({ id, data: { assetId: "a2", title: id, intervalDays: 30, nextDueAt } });

test("due today and overdue, the user's own tasks first, each part oldest first", () => {
  const { due } = todayList(
    {
      tasks: [
        task("team today", at(0, 8)),
        task("mine today", at(0, 23), { assigneeId: me }),
        task("mine overdue", at(-3), { assigneeId: me }),
        task("theirs overdue", at(-1), { assigneeId: other }),
      ],
      schedules: [schedule("schedule overdue", at(-2)), schedule("schedule at midnight", new Date(2026, 10, 30).toISOString())],
    },
    me,
    now,
  );
  expect(due.map((item) => [item.title, item.reason, item.mine])).toEqual([
    ["mine overdue", "overdue", true],
    ["mine today", "today", true],
    ["schedule overdue", "overdue", false],
    ["theirs overdue", "overdue", false],
    ["schedule at midnight", "today", false],
    ["team today", "today", false],
  ]);
  expect(due[0]).toMatchObject({ type: "task", id: "mine overdue", assetId: "a1" });
});

test("later this week apart, soonest first; done tasks, undated tasks and later work left out", () => {
  const list = todayList(
    {
      tasks: [
        task("done overdue", at(-1), { status: "DONE", assigneeId: me }),
        task("no date", null, { assigneeId: me }),
        task("in six days", at(6, 23)),
        task("tomorrow", at(1, 0)),
        task("in seven days", at(7, 0)),
      ],
      schedules: [schedule("next month", at(30)), schedule("in three days", at(3))],
    },
    me,
    now,
  );
  expect(list.due).toEqual([]);
  expect(list.week.map((item) => [item.title, item.reason])).toEqual([
    ["tomorrow", "week"],
    ["in three days", "week"],
    ["in six days", "week"],
  ]);
});

test("a schedule is never anyone's own, and rows without data are skipped", () => {
  const { due } = todayList({ tasks: [{ id: "gone", data: null }], schedules: [{ id: "s", data: { title: "s", assetId: "a", nextDueAt: at(0), assigneeId: me } }] }, me, now);
  expect(due).toEqual([{ type: "schedule", id: "s", title: "s", assetId: "a", dueAt: at(0), reason: "today", mine: false }]);
});

test("a schedule done at 20:00 in UTC-8 leaves today's list and is due the next local day", () => {
  const zone = "America/Los_Angeles";
  const evening = new Date("2026-12-01T04:00:00Z"); // 30 Nov, 20:00 local
  const done = schedule("filters", nextDueWhenDone(1, evening, zone).toISOString());
  expect(todayList({ tasks: [], schedules: [done] }, me, evening, zone).week.map((item) => item.title)).toEqual(["filters"]);
  const nextMorning = new Date("2026-12-01T16:00:00Z"); // 1 Dec, 08:00 local
  expect(todayList({ tasks: [], schedules: [done] }, me, nextMorning, zone).due.map((item) => [item.title, item.reason])).toEqual([["filters", "today"]]);
});
