import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
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
  const revoke = useMutation(
    trpc.devices.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.devices.list.queryKey() }),
    }),
  );

  return (
    <section>
      <h2>Devices</h2>
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
              <strong>
                {device.deviceName ?? device.deviceId}
                {device.deviceId === self?.deviceId ? " (this device)" : ""}
              </strong>
              <span className="muted">
                {device.isActive ? `last sync ${timeAgo(device.lastSyncAt)}` : `revoked ${timeAgo(device.revokedAt)}`} · registered{" "}
                {timeAgo(device.registeredAt)}
              </span>
            </span>
            <span className="row-side">
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
