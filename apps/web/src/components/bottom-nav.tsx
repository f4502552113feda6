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
}

const on = (...names: Route["name"][]) => (route: Route) => names.includes(route.name);

/** Types with screens of their own (tasks live on their asset's); every other type gets a generic tab. */
const ownScreens: readonly EntityType[] = ["asset", "task", "schedule"];
const recordTabs: Tab[] = entityTypes
  .filter((type) => !ownScreens.includes(type))
  .map((type) => ({
    route: { name: "records", type },
    label: entityLabel(type, true),
    matches: (route) => "type" in route && route.type === type,
  }));

const tabs: Tab[] = [
  { route: { name: "assets" }, label: "Assets", matches: on("assets", "asset", "asset-new", "asset-edit") },
  { route: { name: "schedules" }, label: "Schedules", matches: on("schedules") },
  ...recordTabs,
  { route: { name: "sync" }, label: "Sync", matches: on("sync") },
  { route: { name: "conflicts" }, label: "Conflicts", matches: on("conflicts") },
  { route: { name: "devices" }, label: "Devices", matches: on("devices") },
  { route: { name: "health" }, label: "Health", matches: on("health"), adminOnly: true },
];

export function BottomNav({ current }: { current: Route }) {
  const conflicts = useLiveQuery(() => store.db.conflicts.count(), []);
  const admin = useIsAdmin();
  return (
    <nav className="bottom-nav" aria-label="Main">
      {tabs
        .filter((tab) => admin || !tab.adminOnly)
        .map((tab) => (
          <a key={tab.label} href={href(tab.route)} aria-current={tab.matches(current) ? "page" : undefined}>
            {tab.label}
            {tab.route.name === "conflicts" && conflicts ? <span className="count">{conflicts}</span> : null}
          </a>
        ))}
    </nav>
  );
}
