import type { AlertName, AlertState, HealthDashboardResponse } from "@fieldsync/schema";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useDeferredValue, useState } from "react";
import { formatCount, formatDuration, formatMs, formatPercent, plural, timeAgo } from "../app/format.ts";
import { useTRPC } from "../app/trpc.ts";
import { useIsAdmin } from "../app/use-admin.ts";
import { useMediaQuery } from "../app/use-media-query.ts";
import { LineChart } from "../components/line-chart.tsx";

const ranges = [
  { hours: 1, label: "1 h" },
  { hours: 6, label: "6 h" },
  { hours: 24, label: "24 h" },
  { hours: 168, label: "7 days" },
];

const alertText: Record<AlertName, { label: string; format: (value: number) => string }> = {
  HighConflictRate: { label: "Conflict rate", format: formatPercent },
  SyncFailures: { label: "Failure rate", format: formatPercent },
  LargeSyncBacklog: { label: "Backlog", format: formatCount },
  DeviceOffline: { label: "Device offline", format: (hours) => formatDuration(hours * 3600) },
};

/** Admins: the organization's sync health, refreshed every 30 s while the screen is open. */
export function HealthScreen() {
  const admin = useIsAdmin();
  const [hours, setHours] = useState(6);
  const trpc = useTRPC();
  const dashboard = useQuery({ ...trpc.health.dashboard.queryOptions({ hours }), enabled: admin === true, refetchInterval: 30_000 });
  // Deferred: the charts (a few hundred SVG points) render as a transition, one chart per slice,
  // not in the task that received the answer.
  const data = useDeferredValue(dashboard.data);

  if (admin === false) return <p className="notice">Sync health is for organization admins.</p>;
  return (
    <section>
      <div className="screen-head">
        <h1>Sync health</h1>
        <label>
          Range{" "}
          <select value={hours} onChange={(event) => setHours(Number(event.target.value))}>
            {ranges.map((range) => (
              <option key={range.hours} value={range.hours}>
                {range.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {dashboard.error ? <p className="error">{dashboard.error.message}</p> : null}
      {data ? <Dashboard data={data} /> : <p className="muted">Loading…</p>}
    </section>
  );
}

function Dashboard({ data }: { data: HealthDashboardResponse }) {
  const wide = useMediaQuery("(min-width: 640px)");
  const times = data.buckets.map((b) => b.start);
  const range = `last ${ranges.find((r) => r.hours === data.hours)?.label ?? `${data.hours} h`}`;
  const sum = (key: "processed" | "conflicts" | "failed" | "syncs") => data.buckets.reduce((total, b) => total + b[key], 0);
  return (
    <>
      <p className="muted" data-testid="health-summary">
        Last {data.hours} h: {plural(sum("processed"), "change")} processed · {plural(sum("conflicts"), "conflict")} · {sum("failed")} failed ·{" "}
        {plural(sum("syncs"), "sync")} · updated {new Date(data.serverTime).toLocaleTimeString()}
      </p>
      <ul className="alerts" aria-label="Alerts">
        {data.alerts.map((alert) => (
          <AlertRow key={alert.alert} alert={alert} />
        ))}
      </ul>
      <div className="charts">
        <LineChart title="Backlog" range={range} times={times} area format={formatCount} series={[{ name: "waiting", color: "#0f766e", values: data.buckets.map((b) => b.backlog) }]} />
        <LineChart
          title="Conflict and failure rate"
          range={range}
          times={times}
          format={formatPercent}
          series={[
            { name: "conflicts", color: "#b45309", values: data.buckets.map((b) => b.conflictRate) },
            { name: "failures", color: "#b91c1c", values: data.buckets.map((b) => b.failureRate) },
          ]}
        />
        <LineChart
          title="Sync duration"
          range={range}
          times={times}
          format={formatMs}
          series={(["p50", "p95", "p99"] as const).map((p, i) => ({
            name: p,
            color: ["#0f766e", "#6366f1", "#9333ea"][i]!,
            values: data.buckets.map((b) => b.durationMs?.[p] ?? null),
          }))}
        />
      </div>
      <h2>Devices</h2>
      {!data.devices.length ? (
        <p className="muted">No active devices.</p>
      ) : wide ? (
        <DeviceTable devices={data.devices} />
      ) : (
        <DeviceCards devices={data.devices} />
      )}
    </>
  );
}

function AlertRow({ alert }: { alert: AlertState }) {
  const { label, format } = alertText[alert.alert];
  return (
    <li className="alert-row" data-alert={alert.alert}>
      <span className={`badge badge-${alert.level}`}>{alert.level}</span>
      <span className="row-main">
        <strong>
          {label}: {alert.value === null ? "—" : format(alert.value)}
        </strong>
        <span className="muted">
          {alert.message} · warn at {format(alert.warn)}, critical at {format(alert.critical)}
        </span>
      </span>
    </li>
  );
}

type DeviceRow = HealthDashboardResponse["devices"][number];

/** The figures shown for each device: table columns on wide screens, card rows on a phone. */
const deviceFigures: { label: string; render: (device: DeviceRow) => ReactNode }[] = [
  { label: "Last pull", render: (device) => timeAgo(device.lastPullAt) },
  {
    label: "Waiting",
    render: (device) => (
      <>
        {device.pending}
        {device.oldestPendingSeconds === null ? null : <span className="muted"> · oldest {formatDuration(device.oldestPendingSeconds)}</span>}
      </>
    ),
  },
  { label: "Failed", render: (device) => device.failed },
  { label: "Offline", render: (device) => <span className={`badge badge-${device.offline}`}>{formatDuration(device.offlineSeconds)}</span> },
];

function DeviceTable({ devices }: { devices: DeviceRow[] }) {
  return (
    <div className="table-wrap">
      <table className="device-health" aria-label="Device health">
        <thead>
          <tr>
            <th>Device</th>
            {deviceFigures.map((figure) => (
              <th key={figure.label}>{figure.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {devices.map((device) => (
            <tr key={device.deviceId} data-device={device.deviceId}>
              <td>
                <strong>{device.name}</strong>
                <br />
                <span className="muted">{device.userName}</span>
              </td>
              {deviceFigures.map((figure) => (
                <td key={figure.label}>{figure.render(device)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** On a phone: one card per device, its figures as label–value rows, nothing clipped. */
function DeviceCards({ devices }: { devices: DeviceRow[] }) {
  return (
    <ul className="device-cards" aria-label="Device health">
      {devices.map((device) => (
        <li key={device.deviceId} className="device-card" data-device={device.deviceId}>
          <strong>{device.name}</strong>
          <span className="muted">{device.userName}</span>
          <dl>
            {deviceFigures.map((figure) => (
              <div key={figure.label}>
                <dt>{figure.label}</dt>
                <dd>{figure.render(device)}</dd>
              </div>
            ))}
          </dl>
        </li>
      ))}
    </ul>
  );
}
