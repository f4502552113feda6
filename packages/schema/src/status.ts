import { z } from "zod";
import { isoDateTime } from "./fields.ts";
import { roleSchema } from "./enums.ts";

export const syncStatusResponseSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), role: roleSchema, orgId: z.string() }),
  devices: z.object({ active: z.int(), revoked: z.int() }),
  lastSyncAt: isoDateTime.nullable(),
  openConflicts: z.int(),
  queue: z.object({ pending: z.int(), failed: z.int() }),
  serverTime: isoDateTime,
});
export type SyncStatusResponse = z.infer<typeof syncStatusResponseSchema>;
