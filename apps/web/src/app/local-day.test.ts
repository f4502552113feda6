import { expect, test } from "vitest";
import { localDayStart, nextDueWhenDone } from "./local-day.ts";

// Fixed clocks in fixed zones: the result must not depend on the machine running the test.
const losAngeles = "America/Los_Angeles"; // UTC-8 in winter
const auckland = "Pacific/Auckland"; // UTC+13 in (southern) summer

test("done at 20:00 in UTC-8 (already tomorrow in UTC): due on the local day one interval later, at its local midnight", () => {
  const now = new Date("2026-12-01T04:00:00Z"); // 30 Nov, 20:00 in Los Angeles
  expect(nextDueWhenDone(7, now, losAngeles).toISOString()).toBe("2026-12-07T08:00:00.000Z"); // 7 Dec, 00:00 local
});

test("done at 08:00 in UTC-8: not the day before", () => {
  const now = new Date("2026-11-30T16:00:00Z"); // 30 Nov, 08:00 in Los Angeles
  expect(nextDueWhenDone(1, now, losAngeles).toISOString()).toBe("2026-12-01T08:00:00.000Z"); // 1 Dec, 00:00 local
});

test("done at 08:00 in UTC+13 (still yesterday in UTC)", () => {
  const now = new Date("2026-11-30T19:00:00Z"); // 1 Dec, 08:00 in Auckland
  expect(nextDueWhenDone(1, now, auckland).toISOString()).toBe("2026-12-01T11:00:00.000Z"); // 2 Dec, 00:00 local
});

test("a day start across a daylight-saving change is the local midnight of that day", () => {
  const now = new Date("2026-03-07T20:00:00Z"); // 7 Mar, 12:00 PST; clocks go forward on 8 Mar
  expect(localDayStart(now, 0, losAngeles).toISOString()).toBe("2026-03-07T08:00:00.000Z");
  expect(localDayStart(now, 2, losAngeles).toISOString()).toBe("2026-03-09T07:00:00.000Z"); // PDT, UTC-7
  expect(localDayStart(now, -1, "UTC").toISOString()).toBe("2026-03-06T00:00:00.000Z");
});
