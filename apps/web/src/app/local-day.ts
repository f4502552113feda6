// Calendar days as the technician lives them: the device's time zone (or the one given, for tests),
// not UTC. A technician in UTC-8 finishing work at 20:00 is still in today, though UTC is in tomorrow.

const partsFormat = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time `time` shows in `timeZone`, read as if it were UTC (milliseconds). */
function wallClock(time: number, timeZone: string | undefined): number {
  const key = timeZone ?? "";
  let format = partsFormat.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    partsFormat.set(key, format);
  }
  const part = Object.fromEntries(format.formatToParts(time).map(({ type, value }) => [type, Number(value)]));
  return Date.UTC(part["year"]!, part["month"]! - 1, part["day"]!, part["hour"]!, part["minute"]!, part["second"]!);
}

/**
 * Midnight starting the day `days` after the one `now` falls on in `timeZone` (default: the
 * device's). Where a daylight-saving change skips midnight, the first moment of that day.
 */
export function localDayStart(now: Date, days: number, timeZone?: string): Date {
  const today = new Date(wallClock(now.getTime(), timeZone));
  const target = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days);
  // The offset at the target's wall-clock time, corrected once more if it lands across a change.
  let time = target - (wallClock(target, timeZone) - target);
  time = target - (wallClock(time, timeZone) - time);
  return new Date(time);
}

/** Next due date of a schedule done at `now`: the start of the local day one interval after today. */
export const nextDueWhenDone = (intervalDays: number, now: Date, timeZone?: string): Date => localDayStart(now, intervalDays, timeZone);
