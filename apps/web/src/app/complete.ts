import { nextDueWhenDone } from "./local-day.ts";
import { editWithUndo } from "./undo.ts";

/** "Done today" on a schedule: due again one interval from the technician's local today; undoable. */
export const completeSchedule = (id: string, title: string, intervalDays: number) =>
  editWithUndo("schedule", id, { nextDueAt: nextDueWhenDone(intervalDays, new Date()).toISOString() }, `${title}: done today`);

/** A task marked done; undoable. */
export const completeTask = (id: string, title: string) => editWithUndo("task", id, { status: "DONE" }, `${title}: done`);
