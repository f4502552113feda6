import { z } from "zod";
import { deviceIdSchema } from "./device.ts";
import { entityIdSchema } from "./fields.ts";
import { entityTypeSchema } from "./registry.ts";

/**
 * What a device keeps offline. `entityTypes` limits the types; `locations` keeps assets whose
 * location starts with one of the prefixes, and the tasks and schedules of those assets (see
 * each entity's `scope` in the registry). Omitted fields mean "everything".
 */
export const subscriptionSchema = z.strictObject({
  entityTypes: z.array(entityTypeSchema).min(1).optional(),
  locations: z.array(z.string().trim().min(1).max(200)).min(1).max(100).optional(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const entityRefSchema = z.object({ entityType: entityTypeSchema, entityId: entityIdSchema });
export type EntityRef = z.infer<typeof entityRefSchema>;

/** PUT /api/sync/subscription. */
export const setSubscriptionBodySchema = z.strictObject({ deviceId: deviceIdSchema, subscription: subscriptionSchema });

export const subscriptionResponseSchema = z.object({
  deviceId: z.string(),
  subscription: subscriptionSchema,
  /** Entities the old subscription kept and the new one does not: drop them locally (unless
   * they have unsynced changes, which still sync). The next pull delivers what came into scope. */
  evict: z.array(entityRefSchema),
});
