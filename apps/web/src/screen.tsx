import { type ComponentType, type ReactElement, lazy } from "react";
import type { Route } from "./app/use-route.ts";

// Each screen is a chunk of its own: the page evaluates the code of the screen it opens on first,
// not of all fifteen, and loads the others once idle (preloadAllScreens). Offline, a later screen
// then opens even in a page the service worker does not control yet (its first visit).

type Loader<P> = () => Promise<ComponentType<P>>;

/**
 * A lazy screen, and its loader to start fetching it before React asks. A load that failed (no
 * network, no service worker yet) is tried again at the next call.
 */
function screen<P extends object>(load: Loader<P>) {
  let loading: Promise<{ default: ComponentType<P> }> | undefined;
  const preload = () =>
    (loading ??= load().then(
      (component) => ({ default: component }),
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));
  return { Component: lazy(preload), preload };
}

const screens = {
  today: screen(() => import("./screens/today-screen.tsx").then((m) => m.TodayScreen)),
  tasks: screen(() => import("./screens/tasks-screen.tsx").then((m) => m.TasksScreen)),
  records: screen(() => import("./screens/records-screen.tsx").then((m) => m.RecordsScreen)),
  asset: screen(() => import("./screens/asset-screen.tsx").then((m) => m.AssetScreen)),
  edit: screen(() => import("./screens/entity-edit-screen.tsx").then((m) => m.EntityEditScreen)),
  schedules: screen(() => import("./screens/schedules-screen.tsx").then((m) => m.SchedulesScreen)),
  sync: screen(() => import("./screens/sync-screen.tsx").then((m) => m.SyncScreen)),
  conflicts: screen(() => import("./screens/conflicts-screen.tsx").then((m) => m.ConflictsScreen)),
  devices: screen(() => import("./screens/devices-screen.tsx").then((m) => m.DevicesScreen)),
  health: screen(() => import("./screens/health-screen.tsx").then((m) => m.HealthScreen)),
  record: screen(() => import("./screens/record-screen.tsx").then((m) => m.RecordScreen)),
};

/** The screen a route shows, rendered: its element and the lazy screen it needs. */
function resolve(route: Route): { element: ReactElement; needs: { preload: () => unknown } } {
  const { today, tasks, records, asset, edit, schedules, sync, conflicts, devices, health, record } = screens;
  switch (route.name) {
    case "today":
      return { element: <today.Component />, needs: today };
    case "tasks":
      return { element: <tasks.Component />, needs: tasks };
    case "assets":
      return { element: <records.Component type="asset" />, needs: records };
    case "asset":
      return { element: <asset.Component id={route.id} />, needs: asset };
    case "asset-new":
      return { element: <edit.Component type="asset" />, needs: edit };
    case "asset-edit":
      return { element: <edit.Component type="asset" id={route.id} />, needs: edit };
    case "schedules":
      return { element: <schedules.Component />, needs: schedules };
    case "sync":
      return { element: <sync.Component />, needs: sync };
    case "conflicts":
      return { element: <conflicts.Component focus={route.id} />, needs: conflicts };
    case "devices":
      return { element: <devices.Component />, needs: devices };
    case "health":
      return { element: <health.Component />, needs: health };
    case "records":
      return { element: <records.Component type={route.type} />, needs: records };
    case "record":
      return { element: <record.Component type={route.type} id={route.id} />, needs: record };
    case "record-new":
      return { element: <edit.Component type={route.type} />, needs: edit };
    case "record-edit":
      return { element: <edit.Component type={route.type} id={route.id} />, needs: edit };
  }
}

/** Loads every screen's code (once the page is idle: see the top of this file); failures are retried on use. */
export function preloadAllScreens(): void {
  for (const { preload } of Object.values(screens)) preload().catch(() => undefined);
}

/** Starts loading the code of `route`'s screen (alongside the rest of the signed-in shell). */
export const preloadScreen = (route: Route): void => void resolve(route).needs.preload();

export function Screen({ route }: { route: Route }) {
  return resolve(route).element;
}
