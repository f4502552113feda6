import { editWithUndo } from "./undo.ts";

const dayMs = 86_400_000;

/** Next due date after doing the work today: recurrence counts from when it was last done. */
const nextDueFromToday = (intervalDays: number) => {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  return new Date(today.getTime() + intervalDays * dayMs).toISOString();
};

/** "Done today" on a schedule: due again one interval from today; undoable. */
export const completeSchedule = (id: string, title: string, intervalDays: number) =>
  editWithUndo("schedule", id, { nextDueAt: nextDueFromToday(intervalDays) }, `${title}: done today`);

/** A task marked done; undoable. */
export const completeTask = (id: string, title: string) => editWithUndo("task", id, { status: "DONE" }, `${title}: done`);
