import { useEffect } from "react";
import { listenForChangeNudges } from "./app/change-nudges.ts";
import { useOrgUsersRefresh } from "./app/org-users.ts";
import { account, requestPersistentStorage, startSyncTriggers, store } from "./app/runtime.ts";
import { useLiveQuery } from "./app/use-live-query.ts";
import { type Route, useRoute } from "./app/use-route.ts";
import { BottomNav } from "./components/bottom-nav.tsx";
import { TopBar } from "./components/top-bar.tsx";
import { UndoToast } from "./components/undo-toast.tsx";
import { UpdatePrompt } from "./components/update-prompt.tsx";
import { AssetScreen } from "./screens/asset-screen.tsx";
import { ConflictsScreen } from "./screens/conflicts-screen.tsx";
import { DevicesScreen } from "./screens/devices-screen.tsx";
import { EntityEditScreen } from "./screens/entity-edit-screen.tsx";
import { HealthScreen } from "./screens/health-screen.tsx";
import { LoginScreen } from "./screens/login-screen.tsx";
import { RecordScreen } from "./screens/record-screen.tsx";
import { RecordsScreen } from "./screens/records-screen.tsx";
import { SchedulesScreen } from "./screens/schedules-screen.tsx";
import { SyncScreen } from "./screens/sync-screen.tsx";
import { TasksScreen } from "./screens/tasks-screen.tsx";
import { TodayScreen } from "./screens/today-screen.tsx";

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case "today":
      return <TodayScreen />;
    case "tasks":
      return <TasksScreen />;
    case "assets":
      return <RecordsScreen type="asset" />;
    case "asset":
      return <AssetScreen id={route.id} />;
    case "asset-new":
      return <EntityEditScreen type="asset" />;
    case "asset-edit":
      return <EntityEditScreen type="asset" id={route.id} />;
    case "schedules":
      return <SchedulesScreen />;
    case "sync":
      return <SyncScreen />;
    case "conflicts":
      return <ConflictsScreen focus={route.id} />;
    case "devices":
      return <DevicesScreen />;
    case "health":
      return <HealthScreen />;
    case "records":
      return <RecordsScreen type={route.type} />;
    case "record":
      return <RecordScreen type={route.type} id={route.id} />;
    case "record-new":
      return <EntityEditScreen type={route.type} />;
    case "record-edit":
      return <EntityEditScreen type={route.type} id={route.id} />;
  }
}

/** Rendered while signed in: keeps the stored list of the organization's users fresh. */
function OrgUsersRefresh() {
  useOrgUsersRefresh();
  return null;
}

export function App() {
  const route = useRoute();
  // null: no session (log in); undefined: still reading IndexedDB.
  const session = useLiveQuery(async () => (account ? ((await store.getSession()) ?? null) : null), []);
  const loggedIn = Boolean(session);

  useEffect(() => {
    if (!loggedIn) return;
    startSyncTriggers();
    void requestPersistentStorage();
    return listenForChangeNudges();
  }, [loggedIn]);

  if (session === undefined) return null;
  return (
    <>
      <UpdatePrompt />
      {session === null ? (
        <LoginScreen />
      ) : (
        <div className="shell">
          <TopBar />
          <main className="content">
            <Screen route={route} />
          </main>
          <UndoToast />
          <BottomNav current={route} />
          <OrgUsersRefresh />
        </div>
      )}
    </>
  );
}
