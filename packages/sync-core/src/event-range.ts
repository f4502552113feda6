/**
 * Live events that carry their range. An event covers the organization's change log from one
 * position to another, `(from, to]`, and every change in it (fenced like a pull: nothing can land
 * inside the range later). A device that knows the position of its sync token decides here what
 * the event means for it. Positions are the log's (txid, seq), written "txid.seq".
 */
import { type EntityRef, type EntityType, type ServerChange, type Subscription, type SyncEvent, catchUpSpreadMs, getEntity } from "@fieldsync/schema";
import { locationMatches, scopedTypes, splitToScope } from "./scope.ts";

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

/**
 * How long a device that must pull after `event` waits first (ms). A range announced without its
 * changes (a reconnect storm, a bulk import) reached the whole organization at once: each device
 * pulls at a random moment within the window the server named for it (`catchUpMs`, sized to what
 * it serves a second) or `catchUpSpreadMs`, while its live events keep arriving. A range whose
 * changes the device was shown, though its token sits before it (it missed an earlier range), is
 * no hurry either: its pull only moves the token, within `catchUpSpreadMs`, so a fleet behind a
 * storm does not pull on every live event. A nudge without a range pulls at once.
 */
export function pullDelay(event: Pick<SyncEvent, "range">, random: () => number = Math.random): number {
  const range = event.range;
  if (!range) return 0;
  const window = range.changes ? catchUpSpreadMs : (range.catchUpMs ?? catchUpSpreadMs);
  return Math.floor(random() * window);
}

/**
 * Whether `event` re-plans a catch-up the device has planned and not started: a range announced
 * without its changes does (the pull will cover it too, and its window, sized to what the fleet
 * now owes, is the one that spreads the fleet; kept to the first range of a storm, the whole
 * fleet pulled within that short window, and pulled the storm's later ranges with it). Any other
 * event leaves the plan as it is.
 */
export function replansCatchUp(event: Pick<SyncEvent, "range">): boolean {
  return event.range !== undefined && event.range.changes === undefined;
}

/**
 * Where the entities that reference-scoped changes point to sit now, read once per event:
 * `${type}:${id}` → the value of that type's scope field (an asset's location). An entity missing
 * from it is gone (or unreadable), and what points to it is out of every location scope, as a pull judges it.
 */
export type ScopeReferences = Readonly<Record<string, unknown>>;

export const scopeReferenceKey = (type: EntityType, id: string) => `${type}:${id}`;

/**
 * The part of an event's changes a device with `subscription` receives, as a pull from the
 * range's start would deliver it: only its types, filtered to its locations (splitToScope), and
 * the entities an update took out of its scope. Empty when nothing in the range is its business:
 * it still takes the range (and its token moves) without pulling.
 */
export function rangeForScope(subscription: Subscription | null, changes: readonly ServerChange[], references: ScopeReferences): { changes: ServerChange[]; evict: EntityRef[] } {
  if (!subscription) return { changes: [...changes], evict: [] };
  const types = scopedTypes(subscription);
  const ofTypes = changes.filter((change) => types.includes(change.entityType));
  const asScoped = ofTypes.map((change) => ({ change, entityType: change.entityType, entityId: change.entityId, operation: change.operation, data: change.operation === "DELETE" ? null : change.payload }));
  const { kept, evict } = splitToScope(subscription, asScoped, (target, id) => {
    const field = getEntity(target).scope;
    return field?.by === "field" && locationMatches(subscription.locations ?? [], references[scopeReferenceKey(target, id)]);
  });
  return { changes: kept.map((entry) => entry.change), evict };
}
