import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useOnline } from "../app/use-online.ts";
import { syncPillText } from "../app/sync-pill.ts";
import { href } from "../app/use-route.ts";

/** Always visible: connectivity and how much is not on the server yet. */
export function TopBar() {
  const online = useOnline();
  const pending = useLiveQuery(() => store.db.outbox.count(), []);
  const state = useLiveQuery(() => store.syncState(), []);
  return (
    <header className="top-bar">
      <a href={href({ name: "today" })} className="brand">
        {/* The 192 px logo (preloaded for the login screen): the 32 px one is blurred on 2-3× phone screens. */}
        <img src="/icons/icon-192.png" alt="" width={24} height={24} />
        Fieldsync
      </a>
      {/* Named by its visible pills (a label of its own would hide them from speech input). */}
      <a href={href({ name: "sync" })} className="top-status">
        <span className="visually-hidden">Sync status: </span>
        <span className={`pill ${online ? "pill-online" : "pill-offline"}`} data-testid="connection">
          {online ? "online" : "offline"}
        </span>
        {state?.phase === "revoked" || state?.phase === "unauthorized" ? (
          <span className="pill pill-offline">sync stopped</span>
        ) : null}
        {pending ? (
          <span className="pill pill-pending" data-testid="pending-pill">
            {syncPillText(state, pending)}
          </span>
        ) : (
          <span className="pill pill-synced">{syncPillText(state, 0)}</span>
        )}
      </a>
    </header>
  );
}
