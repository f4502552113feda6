import { fieldLabel, fieldSpecs, valueLabel } from "@fieldsync/schema";
import { useState } from "react";
import { completeTask } from "../app/complete.ts";
import { formatDate } from "../app/format.ts";
import { marksByEntity } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { anyTask, filterTasks, type TaskQuery, taskRows, taskSites } from "../app/task-list.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { entityRoutes, href } from "../app/use-route.ts";
import { Choice } from "../components/choice.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";

const optionsOf = (field: string) => fieldSpecs("task").find((spec) => spec.name === field)?.options ?? [];

/** Every task across all assets, searchable by title and filtered by status, priority and site. */
export function TasksScreen() {
  const rows = useLiveQuery(async () => {
    const [tasks, assets] = await Promise.all([store.list("task"), store.list("asset")]);
    return { tasks, assets };
  }, []);
  const session = useLiveQuery(() => store.getSession(), []);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const [query, setQuery] = useState<TaskQuery>(anyTask);
  if (!rows || !session) return null;

  const all = taskRows(rows.tasks, rows.assets, session.user.id);
  const shown = filterTasks(all, query);
  const marks = marksByEntity(outbox ?? []);
  const choose = (field: "status" | "priority" | "site") => (value: string) => setQuery({ ...query, [field]: value === "" ? null : value });

  return (
    <section>
      <div className="screen-head">
        <h1>Tasks</h1>
      </div>
      <input
        className="search"
        type="search"
        placeholder="Search task titles"
        aria-label="Search tasks"
        value={query.search}
        onChange={(e) => setQuery({ ...query, search: e.target.value })}
      />
      <div className="filters">
        <Choice label={fieldLabel("task", "status")} value={query.status ?? ""} options={optionsOf("status")} onChange={choose("status")} />
        <Choice label={fieldLabel("task", "priority")} value={query.priority ?? ""} options={optionsOf("priority")} onChange={choose("priority")} />
        <Choice label="Site" value={query.site ?? ""} options={taskSites(all).map((site) => ({ value: site, label: site }))} onChange={choose("site")} />
      </div>
      <p className="muted" aria-live="polite">
        {shown.length === all.length ? `${all.length} tasks` : `${shown.length} of ${all.length} tasks`}
      </p>
      {shown.length === 0 ? (
        <p className="muted">{all.length ? "No task matches." : "No tasks yet."}</p>
      ) : (
        <ul className="list" aria-label="All tasks">
          {shown.map((task) => (
            <li key={task.id} className="row">
              <span className="row-main">
                <strong className={task.status === "DONE" ? "done" : ""}>
                  <a href={href(entityRoutes("task").detail(task.id))}>{task.title}</a>
                  {task.mine ? <span className="badge badge-mine">Yours</span> : null}
                </strong>
                <span className="muted">
                  <a href={href(entityRoutes("asset").detail(task.assetId))}>{task.assetName ?? "unknown asset"}</a>
                  {task.site ? ` · ${task.site}` : ""}
                </span>
                <span className="muted">
                  {valueLabel("task", "status", task.status)} · {valueLabel("task", "priority", task.priority)} priority
                  {task.dueAt ? ` · due ${formatDate(task.dueAt)}` : ""}
                </span>
              </span>
              <span className="row-side">
                {task.status === "DONE" ? null : (
                  <button onClick={() => void completeTask(task.id, task.title)} aria-label={`Done: ${task.title}`}>
                    Done
                  </button>
                )}
                <SyncBadge mark={marks.get(`task:${task.id}`)} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
