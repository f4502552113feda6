import { z } from "zod";
import { serverChangeSchema } from "./change.ts";

/** Bounds of the changes a `changes` event carries; a larger push sends a plain nudge (pull). */
export const liveChangeLimits = {
  maxChanges: 100,
  maxBytes: 64 * 1024,
} as const;

/**
 * Data of the `changes` event on GET /api/sync/events (Server-Sent Events): the organization has
 * new changes up to `position` (monotonic, opaque). `changes`, when present, are other devices'
 * just-committed changes, the same shape a pull returns, so a device can show them before it
 * pulls. They are a preview, not a cursor: the device still pulls later (its token only moves
 * there), and the usual "newer version wins" rule makes seeing a change twice harmless. Absent for
 * devices with a subscription (selective sync) and for large pushes.
 */
export const syncEventSchema = z.object({
  orgId: z.string(),
  position: z.string(),
  at: z.iso.datetime(),
  changes: z.array(serverChangeSchema).optional(),
  /**
   * The part of the organization's change log this event covers, fenced like a pull: `from`
   * (exclusive) to `to` (inclusive), positions as POST /api/sync and /delta answers give them
   * (`position`). With `changes` (every change of the range, when it is small) and `syncToken` (the
   * cursor at `to`, for a device without a subscription that wrote none of them), a device whose
   * token sits in [from, to) stores them and takes `syncToken` instead of pulling (sync-core's
   * rangeStep); at or past `to` it has them all; before `from` it missed a range and pulls.
   */
  range: z
    .object({
      from: z.string(),
      to: z.string(),
      changes: z.array(serverChangeSchema).optional(),
      syncToken: z.string().optional(),
    })
    .optional(),
});
export type SyncEvent = z.infer<typeof syncEventSchema>;
