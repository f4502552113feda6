import { valueLabel } from "@fieldsync/schema";
import { useState } from "react";
import { marksByEntity } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { href } from "../app/use-route.ts";
import { timeAgo } from "../app/format.ts";
import { useNow } from "../app/use-now.ts";
import { SyncBadge } from "../components/sync-badge.tsx";

export function AssetsScreen() {
  const [search, setSearch] = useState("");
  const assets = useLiveQuery(() => store.list("asset"), []);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const state = useLiveQuery(() => store.syncState(), []);
  const now = useNow();
  const marks = marksByEntity(outbox ?? []);
  const needle = search.trim().toLowerCase();
  const shown = (assets ?? [])
    .filter((asset) =>
      [asset.data?.["name"], asset.data?.["location"], asset.data?.["serialNumber"]].some((value) =>
        String(value ?? "").toLowerCase().includes(needle),
      ),
    )
    .sort((a, b) => String(a.data?.["name"]).localeCompare(String(b.data?.["name"])));

  return (
    <section>
      <div className="screen-head">
        <h1>Assets</h1>
        <a className="button primary" href={href({ name: "asset-new" })}>
          New asset
        </a>
      </div>
      <p className="muted" data-testid="freshness">
        {state?.lastSyncAt ? `Synced ${timeAgo(state.lastSyncAt, now)}` : "Not synced yet"} · shown from this device's storage
      </p>
      <input
        className="search"
        type="search"
        placeholder="Search name, location, serial"
        aria-label="Search assets"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      {assets === undefined ? null : shown.length === 0 ? (
        <p className="muted">
          {state && !state.initialSyncDone ? "Loading assets from the server…" : needle ? "No asset matches." : "No assets yet."}
        </p>
      ) : (
        <ul className="list" aria-label="Assets">
          {shown.map((asset) => (
            <li key={asset.id}>
              <a href={href({ name: "asset", id: asset.id })} className="row">
                <span className="row-main">
                  <strong>{String(asset.data?.["name"])}</strong>
                  <span className="muted">{String(asset.data?.["location"] ?? "no location")}</span>
                </span>
                <span className="row-side">
                  <span className={`status status-${String(asset.data?.["status"]).toLowerCase()}`}>{valueLabel("asset", "status", asset.data?.["status"])}</span>
                  <SyncBadge mark={marks.get(`asset:${asset.id}`)} />
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
