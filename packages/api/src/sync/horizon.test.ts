// Which cursors predate the log's horizon (pure; the horizon's upkeep is tested in retention/).
import { describe, expect, test } from "vitest";
import type { Cursor } from "./cursor.ts";
import { predatesHorizon, withinHorizon } from "./horizon.ts";
import type { LogHorizon } from "./sync-state.ts";
import type { PullPlan } from "./pull-plan.ts";

const horizon: LogHorizon = { txid: 500n, seq: 40n, before: new Date("2026-10-05T00:00:00Z") };
const log = (txid: string, seq: string, after: string | null = null): Cursor => ({ mode: "log", txid, seq, after });
const snapshot = (fence: string): Cursor => ({ mode: "snapshot", fence, typeIndex: 0, lastId: "", sent: 0, total: 0 });

describe("predatesHorizon", () => {
  test("a log cursor before the last dropped row predates it; one at or after it missed nothing", () => {
    expect(predatesHorizon(log("499", "900"), horizon)).toBe(true);
    expect(predatesHorizon(log("500", "39"), horizon)).toBe(true);
    expect(predatesHorizon(log("500", "40"), horizon)).toBe(false);
    expect(predatesHorizon(log("501", "1"), horizon)).toBe(false);
  });

  test("positions compare as numbers, not text", () => {
    expect(predatesHorizon(log("1000", "1"), horizon)).toBe(false);
  });

  test("a time-filtered cursor is whole when its instant is not before the horizon's", () => {
    expect(predatesHorizon(log("0", "0", "2026-10-05T00:00:00.000Z"), horizon)).toBe(false);
    expect(predatesHorizon(log("0", "0", "2026-10-04T23:59:59.999Z"), horizon)).toBe(true);
  });

  test("a snapshot continues from its fence", () => {
    expect(predatesHorizon(snapshot("500"), horizon)).toBe(true);
    expect(predatesHorizon(snapshot("501"), horizon)).toBe(false);
  });

  test("without a horizon nothing predates it", () => {
    expect(predatesHorizon(log("0", "0"), null)).toBe(false);
  });
});

describe("withinHorizon", () => {
  const plan = (cursor: Cursor | null): PullPlan => ({ subscription: null, types: ["asset"], cursor, lsn: undefined, resetRequired: false });

  test("a plan from a cursor before the horizon restarts from a snapshot with resetRequired", () => {
    expect(withinHorizon(plan(log("1", "1")), horizon)).toMatchObject({ cursor: null, resetRequired: true });
    expect(withinHorizon(plan(log("600", "1")), horizon)).toMatchObject({ cursor: log("600", "1"), resetRequired: false });
  });

  test("without a cursor, only a lastSyncTimestamp before the horizon resets", () => {
    expect(withinHorizon(plan(null), horizon)).toMatchObject({ resetRequired: false });
    expect(withinHorizon(plan(null), horizon, "2026-10-01T00:00:00Z")).toMatchObject({ resetRequired: true });
    expect(withinHorizon(plan(null), horizon, "2026-11-01T00:00:00Z")).toMatchObject({ resetRequired: false });
  });
});
