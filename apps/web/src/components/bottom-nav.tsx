import { type EntityType, entityLabel, entityTypes } from "@fieldsync/schema";
import { store } from "../app/runtime.ts";
import { useIsAdmin } from "../app/use-admin.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { href, type Route } from "../app/use-route.ts";

interface Tab {
  route: Route;
  label: string;
  matches: (route: Route) => boolean;
  adminOnly?: boolean;
  /** Left out for admins, whose Health tab takes its place (the bar holds 5 on a 390 px phone). */
  notForAdmins?: boolean;
}

const on = (...names: Route["name"][]) => (route: Route) => names.includes(route.name);

/** Types with tabs of their own (schedules are on Today); every other type gets a generic tab. */
const ownScreens: readonly EntityType[] = ["asset", "task", "schedule"];
const recordTabs: Tab[] = entityTypes
  .filter((type) => !ownScreens.includes(type))
  .map((type) => ({
    route: { name: "records", type },
    label: entityLabel(type, true),
    matches: (route) => "type" in route && route.type === type,
  }));

// Five tabs fit a 390 px phone. Today lists the schedules due (and links to all of them), the
// sync screen links to the devices, and the top bar's status always leads to the sync screen.
const tabs: Tab[] = [
  { route: { name: "today" }, label: "Today", matches: on("today", "schedules") },
  { route: { name: "tasks" }, label: "Tasks", matches: (route) => route.name === "tasks" || ("type" in route && route.type === "task") },
  { route: { name: "assets" }, label: "Assets", matches: on("assets", "asset", "asset-new", "asset-edit") },
  ...recordTabs,
  { route: { name: "conflicts" }, label: "Conflicts", matches: on("conflicts") },
  { route: { name: "sync" }, label: "Sync", matches: on("sync", "devices"), notForAdmins: true },
  { route: { name: "health" }, label: "Health", matches: on("health"), adminOnly: true },
];

export function BottomNav({ current }: { current: Route }) {
  const conflicts = useLiveQuery(() => store.db.conflicts.count(), []);
  const admin = useIsAdmin();
  return (
    <nav className="bottom-nav" aria-label="Main">
      {tabs
        .filter((tab) => (admin ? !tab.notForAdmins : !tab.adminOnly))
        .map((tab) => (
          <a key={tab.label} href={href(tab.route)} aria-current={tab.matches(current) ? "page" : undefined}>
            {tab.label}
            {tab.route.name === "conflicts" && conflicts ? <span className="count">{conflicts}</span> : null}
          </a>
        ))}
    </nav>
  );
}
