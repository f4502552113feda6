import { z } from "zod";
import { serverChangeSchema } from "./change.ts";
import { entityRefSchema } from "./subscription.ts";

/** Bounds of the changes a `changes` event carries; a larger push sends a plain nudge (pull). */
export const liveChangeLimits = {
  maxChanges: 100,
  maxBytes: 64 * 1024,
} as const;

/**
 * A range announced without its changes (more than an event carries) reaches a whole fleet at
 * once; each device pulls it at a random moment within this many ms (sync-core's pullDelay), or
 * within the range's `catchUpMs` when the server names a longer window.
 */
export const catchUpSpreadMs = 5_000;

/**
 * Data of the `changes` event on GET /api/sync/events (Server-Sent Events): the organization has
 * new changes up to `position` (monotonic, opaque). `changes`, when present, are other devices'
 * just-committed changes, the same shape a pull returns, so a device can show them before it
 * pulls. They are a preview, not a cursor: the device still pulls later (its token only moves
 * there), and the usual "newer version wins" rule makes seeing a change twice harmless. Absent for
 * large pushes; for a device with a subscription (selective sync), only those in its scope.
 */
export const syncEventSchema = z.object({
  orgId: z.string(),
  position: z.string(),
  at: z.iso.datetime(),
  changes: z.array(serverChangeSchema).optional(),
  /**
   * The scope this event's data (`changes`, `range.changes`) was filtered for: sync-core's
   * scopeKey of the device's subscription when its stream opened; absent: every entity. A device
   * whose subscription differs (it changed since) ignores the data and pulls.
   */
  scope: z.string().optional(),
  /**
   * The part of the organization's change log this event covers, fenced like a pull: `from`
   * (exclusive) to `to` (inclusive), positions as POST /api/sync and /delta answers give them
   * (`position`). With `changes` (every change of the range in the device's scope, when the range
   * is small; none when nothing in it is) and `syncToken` (the cursor at `to`), a device whose
   * token sits in [from, to) stores them and takes `syncToken` instead of pulling (sync-core's
   * rangeStep); at or past `to` it has them all; before `from` it missed a range and pulls.
   */
  range: z
    .object({
      from: z.string(),
      to: z.string(),
      changes: z.array(serverChangeSchema).optional(),
      syncToken: z.string().optional(),
      /** With `changes` for a device with a subscription: entities an update in the range took out of its scope (drop them, as a pull's `evict`). */
      evict: z.array(entityRefSchema).optional(),
      /**
       * Without `changes`: the window (ms) within which a device that must pull this range does so,
       * at a random moment. The server sizes it so its fleet's catch-up traffic (every stream's
       * device pulling the range) stays within what it serves a second, and live events keep
       * flowing meanwhile. Absent: `catchUpSpreadMs`.
       */
      catchUpMs: z.number().int().positive().optional(),
    })
    .optional(),
});
export type SyncEvent = z.infer<typeof syncEventSchema>;
