/**
 * Live events that carry their range. An event covers the organization's change log from one
 * position to another, `(from, to]`, and every change in it (fenced like a pull: nothing can land
 * inside the range later). A device that knows the position of its sync token decides here what
 * the event means for it. Positions are the log's (txid, seq), written "txid.seq".
 */

export interface LogPosition {
  txid: bigint;
  seq: bigint;
}

/** An event's range of the log: from (exclusive) to (inclusive). */
export interface EventRange {
  from: string;
  to: string;
}

/** The log's start: before every change. */
export const logOrigin = "0.0";

const positionPattern = /^(\d{1,20})\.(-1|\d{1,20})$/;

export const formatPosition = (position: { txid: string | bigint; seq: string | bigint }): string => `${position.txid}.${position.seq}`;

/** Null for anything that is not a position (a device treats an unreadable one as unknown). */
export function parsePosition(text: string): LogPosition | null {
  const match = positionPattern.exec(text);
  return match ? { txid: BigInt(match[1]!), seq: BigInt(match[2]!) } : null;
}

/** Log order: by transaction, then by row within it. */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  return a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/**
 * What a device whose token sits at `at` does with an event covering `range`:
 * - "advance": `from <= at < to`, the event holds every change after `at` up to `to`: apply its
 *   changes (those before `at` again too, which the newer-version rule makes harmless) and move
 *   the token to `to` without pulling;
 * - "skip": `at >= to`, the device already holds the whole range;
 * - "pull": `at < from` (it missed a range), or its position is unknown: pull as before.
 */
export type RangeStep = "advance" | "skip" | "pull";

export function rangeStep(at: string | null, range: EventRange): RangeStep {
  const here = at === null ? null : parsePosition(at);
  const from = parsePosition(range.from);
  const to = parsePosition(range.to);
  if (!here || !from || !to || comparePositions(from, to) > 0) return "pull";
  if (comparePositions(here, to) >= 0) return "skip";
  return comparePositions(here, from) >= 0 ? "advance" : "pull";
}
