import { useEffect } from "react";
import { listenForChangeNudges } from "./app/change-nudges.ts";
import { account, requestPersistentStorage, startSyncTriggers, store } from "./app/runtime.ts";
import { useLiveQuery } from "./app/use-live-query.ts";
import { type Route, useRoute } from "./app/use-route.ts";
import { BottomNav } from "./components/bottom-nav.tsx";
import { TopBar } from "./components/top-bar.tsx";
import { UpdatePrompt } from "./components/update-prompt.tsx";
import { AssetEditScreen } from "./screens/asset-edit-screen.tsx";
import { AssetScreen } from "./screens/asset-screen.tsx";
import { AssetsScreen } from "./screens/assets-screen.tsx";
import { ConflictsScreen } from "./screens/conflicts-screen.tsx";
import { DevicesScreen } from "./screens/devices-screen.tsx";
import { HealthScreen } from "./screens/health-screen.tsx";
import { LoginScreen } from "./screens/login-screen.tsx";
import { SchedulesScreen } from "./screens/schedules-screen.tsx";
import { SyncScreen } from "./screens/sync-screen.tsx";

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case "assets":
      return <AssetsScreen />;
    case "asset":
      return <AssetScreen id={route.id} />;
    case "asset-new":
      return <AssetEditScreen />;
    case "asset-edit":
      return <AssetEditScreen id={route.id} />;
    case "schedules":
      return <SchedulesScreen />;
    case "sync":
      return <SyncScreen />;
    case "conflicts":
      return <ConflictsScreen />;
    case "devices":
      return <DevicesScreen />;
    case "health":
      return <HealthScreen />;
  }
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
          <BottomNav current={route} />
        </div>
      )}
    </>
  );
}
