import { store } from "../app/runtime.ts";
import { useIsAdmin } from "../app/use-admin.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { href, type Route } from "../app/use-route.ts";

const tabs: { route: Route; label: string; matches: Route["name"][]; adminOnly?: boolean }[] = [
  { route: { name: "assets" }, label: "Assets", matches: ["assets", "asset", "asset-new", "asset-edit"] },
  { route: { name: "schedules" }, label: "Schedules", matches: ["schedules"] },
  { route: { name: "sync" }, label: "Sync", matches: ["sync"] },
  { route: { name: "conflicts" }, label: "Conflicts", matches: ["conflicts"] },
  { route: { name: "devices" }, label: "Devices", matches: ["devices"] },
  { route: { name: "health" }, label: "Health", matches: ["health"], adminOnly: true },
];

export function BottomNav({ current }: { current: Route }) {
  const conflicts = useLiveQuery(() => store.db.conflicts.count(), []);
  const admin = useIsAdmin();
  return (
    <nav className="bottom-nav" aria-label="Main">
      {tabs
        .filter((tab) => admin || !tab.adminOnly)
        .map((tab) => (
          <a key={tab.label} href={href(tab.route)} aria-current={tab.matches.includes(current.name) ? "page" : undefined}>
            {tab.label}
            {tab.route.name === "conflicts" && conflicts ? <span className="count">{conflicts}</span> : null}
          </a>
        ))}
    </nav>
  );
}
