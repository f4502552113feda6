import type { SyncEvent, Subscription } from "@fieldsync/schema";
import { rangeForScope, scopeKey, scopeTarget } from "@fieldsync/sync-core";
import type { ChangeNudge } from "./notifier.ts";
import { tokenAtRangeEnd } from "./range.ts";

/**
 * What a stream sends of a nudge: "plain" (the range's ends only: a device past them knows it has
 * them, others pull), "range" (also the range's changes in the device's scope and the token at its
 * end, for the device that pushed them) and "preview" (also the pushed changes in its scope the
 * range does not hold yet, for the other devices).
 */
export type FrameKind = "plain" | "range" | "preview";

/** A stream's audience: devices of one scope (sync-core's scopeKey of their subscription). */
export interface FrameScope {
  key: string;
  subscription: Subscription | null;
}

export const frameScope = (subscription: Subscription | null): FrameScope => ({ key: scopeKey(subscription), subscription });

/**
 * SSE frames of a nudge, built, serialized and encoded to UTF-8 once per kind and scope however
 * many devices listen (a string written to 2,000 sockets was encoded 2,000 times).
 */
const frames = new WeakMap<ChangeNudge, Map<string, Buffer>>();

/** The SSE frame (`event: changes`) of `nudge` for devices of `scope`. */
export function frameOf(nudge: ChangeNudge, kind: FrameKind, scope: FrameScope, cursorSecret: string): Buffer {
  const cached = frames.get(nudge) ?? new Map<string, Buffer>();
  frames.set(nudge, cached);
  const cacheKey = kind === "plain" ? kind : `${kind} ${scope.key}`;
  let frame = cached.get(cacheKey);
  if (frame === undefined) {
    const event = eventFor(nudge, kind, scope, cursorSecret);
    frame = Buffer.from(`id: ${event.position}\nevent: changes\ndata: ${JSON.stringify(event)}\n\n`);
    cached.set(cacheKey, frame);
  }
  return frame;
}

function eventFor(nudge: ChangeNudge, kind: FrameKind, scope: FrameScope, cursorSecret: string): SyncEvent {
  const { originClientId: _, references: read, changes, range, ...plain } = nudge;
  // A nudge without them (from a process of an older build) cannot say where tasks' assets sit:
  // a location-scoped device gets no data from it, and pulls.
  const unresolved = !read && scope.subscription?.locations !== undefined && [...(range?.changes ?? []), ...(changes ?? [])].some((c) => scopeTarget(c.entityType));
  if (unresolved) return eventFor({ ...plain, ...(range && { range: { from: range.from, to: range.to } }) }, "plain", scope, cursorSecret);
  const references = read ?? {};
  const preview = kind === "preview" && changes ? rangeForScope(scope.subscription, changes, references).changes : [];
  const event: SyncEvent = { ...plain, ...(kind !== "plain" && scope.subscription && { scope: scope.key }), ...(preview.length > 0 && { changes: preview }) };
  if (!range) return event;
  const bounds = { from: range.from, to: range.to, ...(range.catchUpMs !== undefined && !range.changes && { catchUpMs: range.catchUpMs }) };
  const token = kind !== "plain" && range.changes ? tokenAtRangeEnd(cursorSecret, nudge.orgId, range, scope.subscription) : null;
  if (!token || !range.changes) return { ...event, range: bounds };
  const scoped = rangeForScope(scope.subscription, range.changes, references);
  return { ...event, range: { ...bounds, changes: scoped.changes, syncToken: token, ...(scoped.evict.length > 0 && { evict: scoped.evict }) } };
}
