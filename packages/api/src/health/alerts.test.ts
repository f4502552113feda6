import { describe, expect, test } from "vitest";
import { type HealthFigures, alertStates, evaluateAlerts } from "./alerts.ts";

const figures = (overrides: Partial<HealthFigures>): HealthFigures => ({ processed: 0, conflicts: 0, failed: 0, backlog: 0, offline: [], ...overrides });

describe("alert states", () => {
  test("every alert is listed; per alert the worst measurement is judged against its thresholds", () => {
    const states = alertStates(
      figures({ processed: 40, conflicts: 10, failed: 1, backlog: 1000, offline: [{ deviceId: "a", hours: 5 }, { deviceId: "b", hours: 80, label: "Van tablet (b) of Theo Technician" }] }),
    );
    expect(states.map(({ alert, level, value }) => [alert, level, value])).toEqual([
      ["HighConflictRate", "critical", 0.25],
      ["SyncFailures", "ok", 0.025],
      ["LargeSyncBacklog", "warn", 1000],
      ["DeviceOffline", "critical", 80],
    ]);
    expect(states[3]).toMatchObject({ warn: 24, critical: 72, message: "device Van tablet (b) of Theo Technician has not synced for 80 h" });
  });

  test("rates on too few changes and an organization without devices are not judged", () => {
    const states = alertStates(figures({ processed: 19, conflicts: 19 }));
    expect(states.filter((s) => s.value === null).map(({ alert, level, message }) => [alert, level, message])).toEqual([
      ["HighConflictRate", "ok", "only 19 changes in the last 60 min; rates are judged from 20"],
      ["SyncFailures", "ok", "only 19 changes in the last 60 min; rates are judged from 20"],
      ["DeviceOffline", "ok", "no active devices"],
    ]);
  });

  test("the firing states are the reasons of GET /api/sync/status, one per offline device", () => {
    const input = figures({ processed: 20, conflicts: 2, failed: 0, backlog: 3, offline: [{ deviceId: "a", hours: 30 }, { deviceId: "b", hours: 25 }] });
    expect(evaluateAlerts(input)).toEqual({
      status: "warn",
      reasons: [
        { alert: "HighConflictRate", severity: "warn", message: "10.0 % of 20 changes conflicted in the last 60 min" },
        { alert: "DeviceOffline", severity: "warn", message: "device a has not synced for 30 h" },
        { alert: "DeviceOffline", severity: "warn", message: "device b has not synced for 25 h" },
      ],
    });
    expect(alertStates(input).filter((s) => s.level !== "ok").map((s) => s.alert)).toEqual(["HighConflictRate", "DeviceOffline"]);
  });
});
