import { Suspense, lazy, useEffect } from "react";
import { listenForChangeNudges } from "./app/change-nudges.ts";
import { account, requestPersistentStorage, startSyncTriggers, store } from "./app/runtime.ts";
import { useLiveQuery } from "./app/use-live-query.ts";
import { useRoute } from "./app/use-route.ts";
import { UpdatePrompt } from "./components/update-prompt.tsx";
import { preloadScreen } from "./screen.tsx";
import { LoginScreen } from "./screens/login-screen.tsx";

const SignedIn = lazy(() => import("./signed-in.tsx").then((m) => ({ default: m.SignedIn })));

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
  // The screen's chunk is fetched alongside the shell's, not after it.
  if (session) preloadScreen(route);
  return (
    <>
      <UpdatePrompt />
      {session === null ? (
        <LoginScreen />
      ) : (
        <Suspense fallback={null}>
          <SignedIn route={route} />
        </Suspense>
      )}
    </>
  );
}
