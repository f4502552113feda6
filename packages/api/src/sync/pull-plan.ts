import type { Db } from "@fieldsync/db";
import { type EntityType, type Subscription, subscriptionSchema } from "@fieldsync/schema";
import type { AuthUser } from "../context.ts";
import { type Cursor, decodeCursor } from "./cursor.ts";
import { scopedTypes } from "./scope.ts";

export interface PullPlan {
  subscription: Subscription | null;
  types: EntityType[];
  /** Null: start over from a snapshot (first sync, reset or subscription change). */
  cursor: Cursor | null;
  resetRequired: boolean;
}

/**
 * Where a device's pull starts, decided before anything is written (a bad token must not
 * register a device): its subscription picks the types; a pending reset or subscription change
 * restarts from a snapshot, in which case the old token (for the old scope) is not even read.
 */
export async function planPull(db: Db, cursorSecret: string, user: AuthUser, deviceId: string, token: string | null | undefined, requested?: EntityType[]): Promise<PullPlan> {
  const device = await db.syncClient.findUnique({
    where: { orgId_deviceId: { orgId: user.orgId, deviceId } },
    select: { subscription: true, resyncRequired: true, rescopeRequired: true },
  });
  const subscription = device?.subscription ? subscriptionSchema.parse(device.subscription) : null;
  const types = scopedTypes(subscription, requested && [...new Set(requested)]);
  const restart = device?.resyncRequired === true || device?.rescopeRequired === true;
  const cursor = token && !restart ? decodeCursor(cursorSecret, user.orgId, types, token) : null;
  return { subscription, types, cursor, resetRequired: device?.resyncRequired === true };
}
