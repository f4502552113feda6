import { z } from "zod";
import { isoDateTime } from "./fields.ts";
import { syncStatusSchema } from "./enums.ts";
import { deviceIdSchema } from "./device.ts";

/** GET /api/sync/queue/stats: admins see the organization, technicians their own devices. */
export const queueStatsResponseSchema = z.object({
  counts: z.record(syncStatusSchema, z.int()),
  oldestPendingSeconds: z.number().nullable(),
  devices: z.array(
    z.object({
      deviceId: z.string(),
      userId: z.string(),
      pending: z.int(),
      failed: z.int(),
      oldestPendingSeconds: z.number().nullable(),
      lastSyncAt: isoDateTime.nullable(),
    }),
  ),
  /** Jobs in Redis by state; null while Redis is unreachable. */
  jobs: z.record(z.string(), z.int()).nullable(),
});
export type QueueStatsResponse = z.infer<typeof queueStatsResponseSchema>;

/** POST /api/sync/queue/retry: FAILED items to try again (all the caller may retry if omitted). */
export const queueRetryBodySchema = z.strictObject({ ids: z.array(z.uuid()).min(1).max(1000).optional() });
export const queueRetryResponseSchema = z.object({ retried: z.array(z.string()) });

/** POST /api/sync/cache/invalidate: drop cached pages and make devices start a full resync. */
export const cacheInvalidateBodySchema = z.strictObject({
  /** One device; omitted: all the caller's devices (admins: `allDevices` for the organization). */
  deviceId: deviceIdSchema.optional(),
  allDevices: z.boolean().optional(),
});
export const cacheInvalidateResponseSchema = z.object({ devices: z.array(z.string()), cacheKeysRemoved: z.int() });
