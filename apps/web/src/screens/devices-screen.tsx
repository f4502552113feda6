import type { Device } from "@fieldsync/schema";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { timeAgo } from "../app/format.ts";
import { store } from "../app/runtime.ts";
import { useTRPC } from "../app/trpc.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useOnline } from "../app/use-online.ts";

/** Devices registered for sync: technicians see their own, admins everyone's in the organization. */
export function DevicesScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const online = useOnline();
  const session = useLiveQuery(() => store.getSession(), []);
  const self = useLiveQuery(() => store.getMeta<{ deviceId: string }>("device"), []);
  const devices = useQuery(trpc.devices.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.devices.list.queryKey() });
  const revoke = useMutation(trpc.devices.revoke.mutationOptions({ onSuccess: refresh }));
  const [renaming, setRenaming] = useState<string | null>(null);
  const renamed = () => {
    setRenaming(null);
    void refresh();
  };

  return (
    <section>
      <h1>Devices</h1>
      <p className="muted">
        {session?.user.role === "ADMIN"
          ? "All devices of your organization. Revoke a lost or stolen one: it can no longer sync."
          : "Your devices. Revoke a lost or stolen one: it can no longer sync."}
      </p>
      {!online ? <p className="notice">The device list needs a connection.</p> : null}
      {devices.error ? <p className="error">{devices.error.message}</p> : null}
      <ul className="list" aria-label="Devices">
        {(devices.data?.devices ?? []).map((device) => (
          <li key={device.deviceId} className="row">
            <span className="row-main">
              {renaming === device.deviceId ? (
                <RenameForm device={device} onDone={renamed} />
              ) : (
                <strong>
                  {device.name}
                  {device.deviceId === self?.deviceId ? " (this device)" : ""}
                </strong>
              )}
              <span className="muted">
                {device.isActive ? `last sync ${timeAgo(device.lastSyncAt)}` : `revoked ${timeAgo(device.revokedAt)}`} · registered{" "}
                {timeAgo(device.registeredAt)}
              </span>
            </span>
            <span className="row-side">
              {renaming === device.deviceId ? null : (
                <button disabled={!online} onClick={() => setRenaming(device.deviceId)} aria-label={`Rename ${device.name}`}>
                  Rename
                </button>
              )}
              {device.isActive ? (
                <button
                  className="danger-outline"
                  disabled={!online || revoke.isPending}
                  onClick={() => revoke.mutate({ deviceId: device.deviceId })}
                >
                  Revoke
                </button>
              ) : (
                <span className="badge badge-failed">revoked</span>
              )}
            </span>
          </li>
        ))}
      </ul>
      {revoke.error ? <p className="error">{revoke.error.message}</p> : null}
    </section>
  );
}

/** A name of the user's choosing; saving it empty goes back to the derived "Theo's Pixel 7". */
function RenameForm({ device, onDone }: { device: Device; onDone: () => void }) {
  const trpc = useTRPC();
  const [label, setLabel] = useState(device.label ?? "");
  const rename = useMutation(trpc.devices.rename.mutationOptions({ onSuccess: onDone }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate({ deviceId: device.deviceId, label: label.trim() || null });
  };
  return (
    <form className="rename-device" onSubmit={submit}>
      <label>
        Device name
        <input value={label} maxLength={60} placeholder={device.name} onChange={(event) => setLabel(event.target.value)} autoFocus />
      </label>
      <span className="form-actions">
        <button type="submit" disabled={rename.isPending}>
          Save name
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </span>
      {rename.error ? <p className="error">{rename.error.message}</p> : null}
    </form>
  );
}
