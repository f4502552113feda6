import { entityLabel, entityTitle } from "@fieldsync/schema";
import type { OutboxEntry, Verification } from "@fieldsync/sync-client";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { formatBytes, timeAgo } from "../app/format.ts";
import { KeepOffline } from "../components/keep-offline.tsx";
import { hasBackgroundSync, requestPersistentStorage, scheduler, store } from "../app/runtime.ts";
import { useTRPC } from "../app/trpc.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useNow } from "../app/use-now.ts";
import { useOnline } from "../app/use-online.ts";
import { useStorageInfo } from "../app/use-storage.ts";
import { href } from "../app/use-route.ts";

const phaseText = {
  idle: "Up to date",
  syncing: "Syncing…",
  offline: "Offline: changes are kept on this device",
  busy: "Server busy: waiting as it asked, then retrying",
  error: "Sync failed; retrying",
  unauthorized: "Logged out: log in to sync",
  revoked: "This device was revoked",
  updateNeeded: "Update needed: the app is updating itself; your changes are kept and sync after it",
} as const;

export function SyncScreen() {
  const online = useOnline();
  const now = useNow();
  const state = useLiveQuery(() => store.syncState(), []);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const conflicts = useLiveQuery(() => store.conflicts(), []);
  const verification = useLiveQuery(() => store.verification(), []);
  const session = useLiveQuery(() => store.getSession(), []);
  const device = useLiveQuery(() => store.getMeta<{ deviceId: string }>("device"), []);
  const [persistTick, setPersistTick] = useState(0);
  const storage = useStorageInfo(`${persistTick}:${outbox?.length}`);
  const [background, setBackground] = useState<boolean>();
  useEffect(() => void hasBackgroundSync().then(setBackground), []);

  const trpc = useTRPC();
  const serverStatus = useQuery({ ...trpc.sync.status.queryOptions(), enabled: online && Boolean(session) });

  const pending = (outbox ?? []).filter((entry) => entry.status === "pending");
  const failed = (outbox ?? []).filter((entry) => entry.status === "failed");
  const waiting = (outbox ?? []).filter((entry) => entry.status === "conflict");

  return (
    <section>
      <div className="screen-head">
        <h1>Sync</h1>
        <a href={href({ name: "devices" })}>Devices</a>
      </div>
      <div className="card status-card" data-testid="sync-status">
        <p>
          <span className={`dot ${online ? "dot-on" : "dot-off"}`} /> {online ? "Online" : "Offline"} ·{" "}
          <strong data-testid="sync-phase">{state ? phaseText[state.phase] : "…"}</strong>
        </p>
        <p>
          Last sync: <span data-testid="last-sync">{timeAgo(state?.lastSyncAt, now)}</span>
        </p>
        <p data-testid="last-verification">
          Last verification: {verification ? <VerificationLine verification={verification} now={now} /> : "not yet"}
        </p>
        <p>
          Waiting to sync: <strong data-testid="pending-count">{pending.length}</strong> · conflicts:{" "}
          <a href={href({ name: "conflicts" })}>{conflicts?.length ?? 0}</a> · failed: {failed.length}
        </p>
        {state?.progress ? (
          <div className="progress" data-testid="initial-progress">
            <progress value={state.progress.sent} max={state.progress.total} />
            <span>
              Initial sync: {state.progress.sent} of {state.progress.total}
            </span>
          </div>
        ) : null}
        {state?.lastError && state.phase !== "idle" && state.phase !== "offline" && state.phase !== "syncing" ? (
          <p className="error">{state.lastError.message}</p>
        ) : null}
        {state?.nextRetryAt && state.phase !== "idle" ? <p className="muted">Next try {new Date(state.nextRetryAt).toLocaleTimeString()}</p> : null}
        <div className="actions">
          <button className="primary" onClick={() => void scheduler.request()} disabled={state?.phase === "syncing"}>
            Sync now
          </button>
        </div>
      </div>

      {failed.length ? (
        <>
          <h2>Failed</h2>
          <ul className="list compact" aria-label="Failed changes">
            {failed.map((entry) => (
              <OutboxRow key={entry.seq} entry={entry}>
                <button onClick={() => void store.retry(entry.seq!).then(() => scheduler.request())}>Retry</button>
                <button className="danger-outline" onClick={() => void store.discard(entry.seq!)}>
                  Discard
                </button>
              </OutboxRow>
            ))}
          </ul>
        </>
      ) : null}

      {pending.length || waiting.length ? (
        <>
          <h2>Queued on this device</h2>
          <ul className="list compact" aria-label="Queued changes">
            {[...pending, ...waiting].map((entry) => (
              <OutboxRow key={entry.seq} entry={entry} />
            ))}
          </ul>
        </>
      ) : null}

      <h2>What this device keeps offline</h2>
      <KeepOffline />

      <h2>This device</h2>
      <div className="card">
        <p>
          Signed in as <strong>{session?.user.name}</strong> ({session?.user.email})
        </p>
        <p className="muted">Device id: {device?.deviceId ?? "—"}</p>
        <p className="muted" data-testid="app-build">
          App build: {__APP_BUILD__}
        </p>
        <p>
          Storage used: {formatBytes(storage?.usage)} of {formatBytes(storage?.quota)} ·{" "}
          {storage?.persisted ? "protected from eviction" : "may be evicted by the browser under storage pressure"}
        </p>
        {storage && !storage.persisted ? (
          <button onClick={() => void requestPersistentStorage().then(() => setPersistTick((n) => n + 1))}>Keep data on this device</button>
        ) : null}
        <p className="muted">
          {background
            ? "This browser sends queued changes in the background (Background Sync), even after the app is closed."
            : "This browser has no Background Sync: changes are sent while the app is open — on start, when the connection returns, on focus and every 30 seconds."}
        </p>
        {serverStatus.data ? (
          <p className="muted">
            Server: {serverStatus.data.openConflicts} open conflict(s), {serverStatus.data.devices.active} active device(s), last seen sync{" "}
            {timeAgo(serverStatus.data.lastSyncAt, now)}.
          </p>
        ) : null}
        <button onClick={() => void store.clearSession()}>Log out</button>
      </div>
    </section>
  );
}

/** The replica's last check against the server's digests (sync-client verify.ts). */
function VerificationLine({ verification: v, now }: { verification: Verification; now: number }) {
  if (v.error) return <>{timeAgo(v.at, now)}, failed ({v.error.message})</>;
  const kept = v.keptPending ? `, ${v.keptPending} kept for unsynced edits` : "";
  return (
    <>
      {timeAgo(v.at, now)} · {v.bucketsChecked} buckets checked · {v.mismatches ? `${v.mismatches} differed, ${v.repaired} entities repaired${kept}` : "all matched"}
    </>
  );
}

function OutboxRow({ entry, children }: { entry: OutboxEntry; children?: React.ReactNode }) {
  const entity = useLiveQuery(() => store.get(entry.entityType, entry.entityId), [entry.entityType, entry.entityId]);
  const name = entityTitle(entry.entityType, entity?.data) ?? entityTitle(entry.entityType, entity?.serverData) ?? entry.entityId.slice(0, 8);
  return (
    <li className="row">
      <span className="row-main">
        <strong>
          {entry.operation.toLowerCase()} {entityLabel(entry.entityType).toLowerCase()} “{name}”
        </strong>
        <span className="muted">
          {entry.status === "conflict" ? "waiting for a conflict resolution" : entry.error ? `${entry.error.code}: ${entry.error.message}` : `queued ${timeAgo(entry.timestamp)}`}
          {entry.attempts > 0 && entry.status === "pending" ? ` · sent ${entry.attempts}×, no answer yet` : ""}
        </span>
      </span>
      {children ? <span className="row-side">{children}</span> : null}
    </li>
  );
}
