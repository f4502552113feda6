import { type EntityType, type Subscription, subscriptionSchema } from "@fieldsync/schema";
import type { AuthUser } from "../context.ts";
import { type Cursor, decodeToken } from "./cursor.ts";
import { scopedTypes } from "./scope.ts";
import type { DeviceSyncState } from "./sync-state.ts";

export interface PullPlan {
  subscription: Subscription | null;
  types: EntityType[];
  /** Null: start over from a snapshot (first sync, reset or subscription change). */
  cursor: Cursor | null;
  /** The primary's WAL position the token carries (read-replica.ts); absent when the pull restarts. */
  lsn: string | undefined;
  resetRequired: boolean;
}

/**
 * Where a device's pull starts, decided before anything is written (a bad token must not
 * register a device): its subscription picks the types; a pending reset or subscription change
 * restarts from a snapshot, in which case the old token (for the old scope) is not even read.
 */
export function planFrom(device: DeviceSyncState | null, cursorSecret: string, user: AuthUser, token: string | null | undefined, requested?: EntityType[]): PullPlan {
  const subscription = device?.subscription ? subscriptionSchema.parse(device.subscription) : null;
  const types = scopedTypes(subscription, requested && [...new Set(requested)]);
  const restart = device?.resyncRequired === true || device?.rescopeRequired === true;
  const { cursor, lsn } = token && !restart ? decodeToken(cursorSecret, user.orgId, types, token) : { cursor: null, lsn: undefined };
  return { subscription, types, cursor, lsn, resetRequired: device?.resyncRequired === true };
}
