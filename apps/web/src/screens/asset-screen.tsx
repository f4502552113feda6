import { entityLabel, getEntity, valueLabel } from "@fieldsync/schema";
import type { LocalEntity } from "@fieldsync/sync-client";
import { useState } from "react";
import { formFields, fromFormValues, toFormValues, withoutNulls } from "../app/entity-forms.ts";
import { formatDate } from "../app/format.ts";
import { localEdit } from "../app/local-edit.ts";
import { conflictIdsByEntity, marksByEntity, type SyncMark } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { EntityForm } from "../components/entity-form.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";
import { RecordScreen } from "./record-screen.tsx";

/** An asset (the generic record screen) with its tasks and schedules below. */
export function AssetScreen({ id }: { id: string }) {
  const tasks = useLiveQuery(() => store.childrenOf("task", id), [id]);
  const schedules = useLiveQuery(() => store.childrenOf("schedule", id), [id]);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const marks = marksByEntity(outbox ?? []);
  const conflictIds = conflictIdsByEntity(outbox ?? []);

  return (
    <RecordScreen type="asset" id={id}>
      <h2>{entityLabel("task", true)}</h2>
      <TaskList tasks={tasks ?? []} marks={marks} conflictIds={conflictIds} />
      <NewTask assetId={id} />

      <h2>{entityLabel("schedule", true)}</h2>
      {schedules?.length ? (
        <ul className="list compact">
          {schedules.map((schedule) => (
            <li key={schedule.id} className="row">
              <span className="row-main">
                <strong>{String(schedule.data?.["title"])}</strong>
                <span className="muted">
                  every {String(schedule.data?.["intervalDays"])} days · next {formatDate(schedule.data?.["nextDueAt"])}
                </span>
              </span>
              <SyncBadge mark={marks.get(`schedule:${schedule.id}`)} conflictId={conflictIds.get(`schedule:${schedule.id}`)} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No schedules. Add one under Schedules.</p>
      )}
    </RecordScreen>
  );
}

const taskForm = formFields("task", ["assetId"]);
const statusOptions = taskForm.find((spec) => spec.name === "status")?.options ?? [];

function TaskList({ tasks, marks, conflictIds }: { tasks: LocalEntity[]; marks: Map<string, SyncMark>; conflictIds: Map<string, string> }) {
  if (tasks.length === 0) return <p className="muted">No tasks for this asset.</p>;
  const sorted = [...tasks].sort((a, b) => String(a.data?.["title"]).localeCompare(String(b.data?.["title"])));
  return (
    <ul className="list compact" aria-label="Tasks">
      {sorted.map((task) => (
        <li key={task.id} className="row">
          <span className="row-main">
            <strong className={task.data?.["status"] === "DONE" ? "done" : ""}>{String(task.data?.["title"])}</strong>
            <span className="muted">
              {valueLabel("task", "priority", task.data?.["priority"])} priority · due {formatDate(task.data?.["dueAt"])}
            </span>
          </span>
          <span className="row-side">
            <select
              aria-label={`Status of ${String(task.data?.["title"])}`}
              value={String(task.data?.["status"])}
              onChange={(e) => void localEdit(() => store.update("task", task.id, { status: e.target.value }))}
            >
              {statusOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            <SyncBadge mark={marks.get(`task:${task.id}`)} conflictId={conflictIds.get(`task:${task.id}`)} />
          </span>
        </li>
      ))}
    </ul>
  );
}

function NewTask({ assetId }: { assetId: string }) {
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  if (!open) {
    return (
      <button className="link-button" onClick={() => setOpen(true)}>
        + Add task
      </button>
    );
  }
  return (
    <EntityForm
      idPrefix="new-task"
      specs={taskForm}
      initial={toFormValues(taskForm, getEntity("task").defaults)}
      submitLabel="Add task"
      errors={errors}
      onCancel={() => setOpen(false)}
      onSubmit={async (values) => {
        const failed = await localEdit(() => store.create("task", { ...withoutNulls(fromFormValues(taskForm, values)), assetId }));
        if (failed) setErrors(failed);
        else setOpen(false);
      }}
    />
  );
}
