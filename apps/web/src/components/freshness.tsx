import { timeAgo } from "../app/format.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useNow } from "../app/use-now.ts";

/** When this device last synced: what is shown comes from its own storage. */
export function Freshness() {
  const state = useLiveQuery(() => store.syncState(), []);
  const now = useNow();
  return (
    <p className="muted" data-testid="freshness">
      {state?.lastSyncAt ? `Synced ${timeAgo(state.lastSyncAt, now)}` : "Not synced yet"} · shown from this device's storage
    </p>
  );
}
