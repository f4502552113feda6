import { getEntity } from "@fieldsync/schema";
import { useState } from "react";
import { completeSchedule } from "../app/complete.ts";
import { formFields, fromFormValues, toFormValues, withoutNulls } from "../app/entity-forms.ts";
import { formatDate } from "../app/format.ts";
import { localEdit } from "../app/local-edit.ts";
import { conflictIdsByEntity, marksByEntity } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { href } from "../app/use-route.ts";
import { EntityForm } from "../components/entity-form.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";

const scheduleForm = formFields("schedule");

export function SchedulesScreen() {
  const schedules = useLiveQuery(() => store.list("schedule"), []);
  const assets = useLiveQuery(() => store.list("asset"), []);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const [adding, setAdding] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const marks = marksByEntity(outbox ?? []);
  const conflictIds = conflictIdsByEntity(outbox ?? []);
  const assetName = new Map((assets ?? []).map((asset) => [asset.id, String(asset.data?.["name"])]));
  const sorted = [...(schedules ?? [])].sort((a, b) => String(a.data?.["nextDueAt"]).localeCompare(String(b.data?.["nextDueAt"])));
  const now = Date.now();

  return (
    <section>
      <div className="screen-head">
        <h1>Schedules</h1>
        {!adding && assets?.length ? (
          <button className="primary" onClick={() => setAdding(true)}>
            New schedule
          </button>
        ) : null}
      </div>
      {adding ? (
        <div className="card">
          <EntityForm
            idPrefix="schedule"
            specs={scheduleForm}
            initial={toFormValues(scheduleForm, { ...getEntity("schedule").defaults, intervalDays: 30 })}
            submitLabel="Add schedule"
            errors={errors}
            onCancel={() => setAdding(false)}
            onSubmit={async (values) => {
              const failed = await localEdit(() => store.create("schedule", withoutNulls(fromFormValues(scheduleForm, values))));
              if (failed) setErrors(failed);
              else setAdding(false);
            }}
          />
        </div>
      ) : null}
      {sorted.length === 0 ? (
        <p className="muted">No schedules yet.</p>
      ) : (
        <ul className="list" aria-label="Schedules">
          {sorted.map((schedule) => {
            const due = String(schedule.data?.["nextDueAt"]);
            const overdue = Date.parse(due) < now;
            const interval = Number(schedule.data?.["intervalDays"]);
            return (
              <li key={schedule.id} className="row">
                <span className="row-main">
                  <strong>{String(schedule.data?.["title"])}</strong>
                  <a className="muted" href={href({ name: "asset", id: String(schedule.data?.["assetId"]) })}>
                    {assetName.get(String(schedule.data?.["assetId"])) ?? "unknown asset"}
                  </a>
                  <span className={overdue ? "overdue" : "muted"}>
                    {overdue ? "Overdue since" : "Next due"} {formatDate(due)} · every {interval} days
                  </span>
                </span>
                <span className="row-side">
                  <button onClick={() => void completeSchedule(schedule.id, String(schedule.data?.["title"]), interval)}>
                    Done today
                  </button>
                  <SyncBadge mark={marks.get(`schedule:${schedule.id}`)} conflictId={conflictIds.get(`schedule:${schedule.id}`)} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
