import { valueLabel } from "@fieldsync/schema";
import { useMemo, useState } from "react";
import { completeTask } from "../app/complete.ts";
import { formatDate } from "../app/format.ts";
import { type ListQuery, emptyQuery, enumFields, filterItems, listItems, siteRule, sitesOf, sortByWork, withFilter } from "../app/list-view.ts";
import { conflictIdsByEntity, marksByEntity } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { entityRoutes, href } from "../app/use-route.ts";
import { Choice } from "../components/choice.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";

const site = siteRule("task");

/** Every task across all assets in working order, searchable, filtered by status, priority and site (the lists' own logic). */
export function TasksScreen() {
  const rows = useLiveQuery(async () => {
    const [tasks, assets] = await Promise.all([store.list("task"), store.list("asset")]);
    return { tasks, assets };
  }, []);
  const session = useLiveQuery(() => store.getSession(), []);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const [query, setQuery] = useState<ListQuery>(emptyQuery);
  const all = useMemo(() => (rows ? sortByWork(listItems("task", rows.tasks, new Map(rows.assets.map((asset) => [asset.id, asset])))) : []), [rows]);
  if (!rows || !session) return null;

  const shown = filterItems(all, query);
  const marks = marksByEntity(outbox ?? []);
  const conflictIds = conflictIdsByEntity(outbox ?? []);

  return (
    <section>
      <div className="screen-head">
        <h1>Tasks</h1>
      </div>
      <input
        className="search"
        type="search"
        placeholder="Search tasks, assets and locations"
        aria-label="Search tasks"
        value={query.search}
        onChange={(e) => setQuery({ ...query, search: e.target.value })}
      />
      <div className="filters">
        {enumFields("task").map((spec) => (
          <Choice key={spec.name} label={spec.label} value={query.filters[spec.name] ?? ""} options={spec.options ?? []} onChange={(value) => setQuery({ ...query, filters: withFilter(query.filters, spec.name, value) })} />
        ))}
        {site ? (
          <Choice label={site.label} value={query.site ?? ""} options={sitesOf(all).map((name) => ({ value: name, label: name }))} onChange={(value) => setQuery({ ...query, site: value || null })} />
        ) : null}
      </div>
      <p className="muted" aria-live="polite">
        {shown.length === all.length ? `${all.length} tasks` : `${shown.length} of ${all.length} tasks`}
      </p>
      {shown.length === 0 ? (
        <p className="muted">{all.length ? "No task matches." : "No tasks yet."}</p>
      ) : (
        <ul className="list" aria-label="All tasks">
          {shown.map(({ source: task, title, parentTitle, site: where, values }) => {
            const data = task.data ?? {};
            const done = values["status"] === "DONE";
            return (
              <li key={task.id} className="row">
                <span className="row-main">
                  <strong className={done ? "done" : ""}>
                    <a href={href(entityRoutes("task").detail(task.id))}>{title}</a>
                    {data["assigneeId"] === session.user.id ? <span className="badge badge-mine">Yours</span> : null}
                  </strong>
                  <span className="muted">
                    <a href={href(entityRoutes("asset").detail(String(data["assetId"])))}>{parentTitle ?? "unknown asset"}</a>
                    {where ? ` · ${where}` : ""}
                  </span>
                  <span className="muted">
                    {valueLabel("task", "status", values["status"])} · {valueLabel("task", "priority", values["priority"])} priority
                    {typeof data["dueAt"] === "string" ? ` · due ${formatDate(data["dueAt"])}` : ""}
                  </span>
                </span>
                <span className="row-side">
                  {done ? null : (
                    <button onClick={() => void completeTask(task.id, title)} aria-label={`Done: ${title}`}>
                      Done
                    </button>
                  )}
                  <SyncBadge mark={marks.get(`task:${task.id}`)} conflictId={conflictIds.get(`task:${task.id}`)} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
