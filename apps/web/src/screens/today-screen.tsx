import { entityLabel, entityTitle, valueLabel } from "@fieldsync/schema";
import type { LocalEntity } from "@fieldsync/sync-client";
import { completeSchedule, completeTask } from "../app/complete.ts";
import { formatDate } from "../app/format.ts";
import { conflictIdsByEntity, marksByEntity, type SyncMark } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { type DueItem, todayList } from "../app/today.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useNow } from "../app/use-now.ts";
import { entityRoutes, href } from "../app/use-route.ts";
import { Freshness } from "../components/freshness.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";

const why: Record<DueItem["reason"], (dueAt: string) => string> = {
  overdue: (dueAt) => `Overdue since ${formatDate(dueAt)}`,
  today: () => "Due today",
  week: (dueAt) => `Due ${formatDate(dueAt)}`,
};

interface Rows {
  tasks: LocalEntity[];
  schedules: LocalEntity[];
  assets: LocalEntity[];
}

/** The home screen: what is due or overdue today across all assets, the user's own tasks first. */
export function TodayScreen() {
  const rows = useLiveQuery(async (): Promise<Rows> => {
    const [tasks, schedules, assets] = await Promise.all([store.list("task"), store.list("schedule"), store.list("asset")]);
    return { tasks, schedules, assets };
  }, []);
  const session = useLiveQuery(() => store.getSession(), []);
  const outbox = useLiveQuery(() => store.outbox(), []);
  // Once a minute is enough to roll over at midnight.
  const now = useNow(60_000);
  if (!rows || !session) return null;

  const { due, week } = todayList(rows, session.user.id, new Date(now));
  const assetNames = new Map(rows.assets.map((asset) => [asset.id, entityTitle("asset", asset.data)]));
  const byId = new Map([...rows.tasks, ...rows.schedules].map((row) => [`${row.type}:${row.id}`, row.data]));
  const marks = marksByEntity(outbox ?? []);
  const itemProps = { assetNames, byId, marks, conflictIds: conflictIdsByEntity(outbox ?? []) };

  return (
    <section>
      <div className="screen-head">
        <h1>Today</h1>
        <a href={href({ name: "schedules" })}>All schedules</a>
      </div>
      <Freshness />
      {due.length === 0 ? (
        <p className="muted">Nothing due today.</p>
      ) : (
        <ul className="list" aria-label="Due today">
          {due.map((item) => (
            <DueRow key={`${item.type}:${item.id}`} item={item} {...itemProps} />
          ))}
        </ul>
      )}
      {week.length ? (
        <>
          <h2>Later this week</h2>
          <ul className="list" aria-label="Later this week">
            {week.map((item) => (
              <DueRow key={`${item.type}:${item.id}`} item={item} {...itemProps} />
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

interface DueRowProps {
  item: DueItem;
  assetNames: Map<string, string | null>;
  byId: Map<string, Record<string, unknown> | null>;
  marks: Map<string, SyncMark>;
  conflictIds: Map<string, string>;
}

function DueRow({ item, assetNames, byId, marks, conflictIds }: DueRowProps) {
  const data = byId.get(`${item.type}:${item.id}`);
  const priority = item.type === "task" ? valueLabel("task", "priority", data?.["priority"]) : null;
  const complete = () =>
    item.type === "task" ? completeTask(item.id, item.title) : completeSchedule(item.id, item.title, Number(data?.["intervalDays"]));
  return (
    <li className="row">
      <span className="row-main">
        <strong>
          {item.type === "task" ? <a href={href(entityRoutes("task").detail(item.id))}>{item.title}</a> : item.title}
          {item.mine ? <span className="badge badge-mine">Yours</span> : null}
        </strong>
        <span className="muted">
          {entityLabel(item.type)}
          {priority ? ` · ${priority} priority` : ""} ·{" "}
          <a href={href(entityRoutes("asset").detail(item.assetId))}>{assetNames.get(item.assetId) ?? "unknown asset"}</a>
        </span>
        <span className={item.reason === "overdue" ? "overdue" : "muted"}>{why[item.reason](item.dueAt)}</span>
      </span>
      <span className="row-side">
        <button onClick={() => void complete()} aria-label={`${item.type === "task" ? "Done" : "Done today"}: ${item.title}`}>
          {item.type === "task" ? "Done" : "Done today"}
        </button>
        <SyncBadge mark={marks.get(`${item.type}:${item.id}`)} conflictId={conflictIds.get(`${item.type}:${item.id}`)} />
      </span>
    </li>
  );
}
