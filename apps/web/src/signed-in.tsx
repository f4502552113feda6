import { QueryClientProvider } from "@tanstack/react-query";
import { Suspense, useEffect } from "react";
import { useOrgUsersRefresh } from "./app/org-users.ts";
import { TRPCProvider, queryClient, trpcClient } from "./app/trpc.ts";
import type { Route } from "./app/use-route.ts";
import { BottomNav } from "./components/bottom-nav.tsx";
import { TopBar } from "./components/top-bar.tsx";
import { UndoToast } from "./components/undo-toast.tsx";
import { Screen, preloadAllScreens } from "./screen.tsx";

// The app once signed in, a chunk of its own: the login page (a first visit on a slow network)
// does not download or evaluate the screens, the server views' query client or the tRPC client.

/** Rendered while signed in: keeps the stored list of the organization's users fresh. */
function OrgUsersRefresh() {
  useOrgUsersRefresh();
  return null;
}

export function SignedIn({ route }: { route: Route }) {
  useEffect(() => {
    const idle = requestIdleCallback(preloadAllScreens, { timeout: 2_000 });
    return () => cancelIdleCallback(idle);
  }, []);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <div className="shell">
          <TopBar />
          <main className="content">
            <Suspense fallback={null}>
              <Screen route={route} />
            </Suspense>
          </main>
          <UndoToast />
          <BottomNav current={route} />
          <OrgUsersRefresh />
        </div>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
