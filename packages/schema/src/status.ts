import { z } from "zod";
import { isoDateTime } from "./fields.ts";
import { roleSchema } from "./enums.ts";
import { alertLevelSchema } from "./health.ts";

export const syncStatusResponseSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), role: roleSchema, orgId: z.string() }),
  devices: z.object({ active: z.int(), revoked: z.int() }),
  lastSyncAt: isoDateTime.nullable(),
  openConflicts: z.int(),
  queue: z.object({ pending: z.int(), failed: z.int() }),
  /**
   * Background processing: "degraded" while Redis is unreachable (pushes are still accepted);
   * "inline" on a server that queues nothing by design (embedded mode: every push is applied in
   * the request), where Redis is "unused" for jobs rather than down.
   */
  background: z.object({ redis: z.enum(["up", "down", "unused"]), mode: z.enum(["ok", "degraded", "inline"]) }),
  /** Alert evaluation for the organization (thresholds in the worker README section). */
  health: z.object({
    status: alertLevelSchema,
    reasons: z.array(z.object({ alert: z.string(), severity: z.enum(["warn", "critical"]), message: z.string() })),
  }),
  serverTime: isoDateTime,
});
export type SyncStatusResponse = z.infer<typeof syncStatusResponseSchema>;
