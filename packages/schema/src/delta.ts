import { z } from "zod";
import { serverChangeSchema } from "./change.ts";
import { deviceIdSchema } from "./device.ts";
import { limits } from "./limits.ts";
import { entityTypeSchema } from "./registry.ts";
import { entityRefSchema } from "./subscription.ts";

/**
 * POST /api/sync/delta. With `pageToken` (or a syncToken from POST /api/sync) the pull resumes
 * exactly where it stopped; with only `lastSyncTimestamp`, from changes logged after that instant;
 * with neither, from a snapshot of every current entity (initial sync).
 */
export const deltaBodySchema = z.strictObject({
  deviceId: deviceIdSchema,
  entityTypes: z.array(entityTypeSchema).min(1).optional(),
  lastSyncTimestamp: z.iso.datetime({ offset: true }).optional(),
  pageSize: z.int().min(1).max(limits.maxPageSize).default(limits.defaultPageSize),
  pageToken: z.string().max(limits.maxTokenLength).optional(),
  /**
   * The end of the range a live event told the device to pull (`range.to`): the server may answer
   * from a page it read for other devices pulling the same range, as long as that page reaches it.
   */
  reach: z.string().max(64).optional(),
});
export type DeltaBody = z.infer<typeof deltaBodySchema>;
export type DeltaBodyInput = z.input<typeof deltaBodySchema>;

export const deltaResponseSchema = z.object({
  changes: z.array(serverChangeSchema),
  /** Where the next pull resumes; present even when `hasMore` is false (keep it for later). */
  nextPageToken: z.string(),
  hasMore: z.boolean(),
  /** Same cursor as `nextPageToken`, usable as POST /api/sync's syncToken. */
  syncToken: z.string(),
  /** Where `syncToken` sits in the change log (as live events' ranges name it); null mid-snapshot. */
  position: z.string().nullable(),
  serverTime: z.iso.datetime(),
  /** During an initial sync: entities sent so far and in all (for an "x of N" progress bar). */
  progress: z.object({ sent: z.int(), total: z.int() }).nullable(),
  /** The server asked this device to drop its local data: this page starts a new snapshot. */
  resetRequired: z.boolean(),
  /** Entities that left the device's subscription (e.g. an asset moved elsewhere): drop them. */
  evict: z.array(entityRefSchema),
});
export type DeltaResponse = z.infer<typeof deltaResponseSchema>;
