import { getEntity } from "@fieldsync/schema";
import type { LocalEntity } from "@fieldsync/sync-client";
import { useState } from "react";
import { formFields, fromFormValues, toFormValues, withoutNulls } from "../app/entity-forms.ts";
import { formatDate, label } from "../app/format.ts";
import { localEdit } from "../app/local-edit.ts";
import { marksByEntity, type SyncMark } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { href, navigateFrom } from "../app/use-route.ts";
import { EntityForm } from "../components/entity-form.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";

export function AssetScreen({ id }: { id: string }) {
  const asset = useLiveQuery(() => store.get("asset", id), [id]);
  const tasks = useLiveQuery(() => store.childrenOf("task", id), [id]);
  const schedules = useLiveQuery(() => store.childrenOf("schedule", id), [id]);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const [confirming, setConfirming] = useState(false);
  const marks = marksByEntity(outbox ?? []);

  if (asset === undefined && tasks === undefined) return null;
  if (!asset?.data) {
    return (
      <section>
        <p className="notice">This asset was deleted{asset?.pending ? " here; the deletion is waiting to sync" : ""}.</p>
        <a href={href({ name: "assets" })}>Back to assets</a>
      </section>
    );
  }
  const data = asset.data;
  const remove = async () => {
    await localEdit(() => store.remove("asset", id));
    navigateFrom({ name: "asset", id }, { name: "assets" });
  };

  return (
    <section>
      <a href={href({ name: "assets" })} className="back">
        ← Assets
      </a>
      <div className="screen-head">
        <h2>{String(data["name"])}</h2>
        <SyncBadge mark={marks.get(`asset:${id}`)} />
      </div>
      <dl className="details">
        {formFields.asset.slice(1).map((spec) => (
          <div key={spec.name}>
            <dt>{spec.label}</dt>
            <dd>{spec.kind === "select" ? label(data[spec.name]) : String(data[spec.name] ?? "—")}</dd>
          </div>
        ))}
        <div>
          <dt>Version</dt>
          <dd>{asset.version === 0 ? "not on the server yet" : asset.version}</dd>
        </div>
      </dl>
      <div className="actions">
        <a className="button" href={href({ name: "asset-edit", id })}>
          Edit
        </a>
        {confirming ? (
          <>
            <button className="danger" onClick={remove}>
              Delete asset
            </button>
            <button onClick={() => setConfirming(false)}>Keep it</button>
          </>
        ) : (
          <button className="danger-outline" onClick={() => setConfirming(true)}>
            Delete…
          </button>
        )}
      </div>

      <h3>Tasks</h3>
      <TaskList tasks={tasks ?? []} marks={marks} />
      <NewTask assetId={id} />

      <h3>Schedules</h3>
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
              <SyncBadge mark={marks.get(`schedule:${schedule.id}`)} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No schedules. Add one under Schedules.</p>
      )}
    </section>
  );
}

function TaskList({ tasks, marks }: { tasks: LocalEntity[]; marks: Map<string, SyncMark> }) {
  if (tasks.length === 0) return <p className="muted">No tasks for this asset.</p>;
  const sorted = [...tasks].sort((a, b) => String(a.data?.["title"]).localeCompare(String(b.data?.["title"])));
  return (
    <ul className="list compact" aria-label="Tasks">
      {sorted.map((task) => (
        <li key={task.id} className="row">
          <span className="row-main">
            <strong className={task.data?.["status"] === "DONE" ? "done" : ""}>{String(task.data?.["title"])}</strong>
            <span className="muted">
              {label(task.data?.["priority"])} priority · due {formatDate(task.data?.["dueAt"])}
            </span>
          </span>
          <span className="row-side">
            <select
              aria-label={`Status of ${String(task.data?.["title"])}`}
              value={String(task.data?.["status"])}
              onChange={(e) => void localEdit(() => store.update("task", task.id, { status: e.target.value }))}
            >
              {formFields.task[1]!.options!.map((option) => (
                <option key={option} value={option}>
                  {label(option)}
                </option>
              ))}
            </select>
            <SyncBadge mark={marks.get(`task:${task.id}`)} />
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
      specs={formFields.task}
      initial={toFormValues(formFields.task, getEntity("task").defaults)}
      submitLabel="Add task"
      errors={errors}
      onCancel={() => setOpen(false)}
      onSubmit={async (values) => {
        const failed = await localEdit(() => store.create("task", { ...withoutNulls(fromFormValues(formFields.task, values)), assetId }));
        if (failed) setErrors(failed);
        else setOpen(false);
      }}
    />
  );
}
