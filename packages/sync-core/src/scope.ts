import { type EntityData, type EntityType, type Subscription, getEntity } from "@fieldsync/schema";

/** A location is kept when it starts with one of the subscribed prefixes. */
export const locationMatches = (locations: readonly string[], value: unknown) =>
  typeof value === "string" && locations.some((prefix) => value.startsWith(prefix));

/**
 * Whether an entity belongs to a device's subscription. For types scoped through a reference
 * (a task through its asset), `referenceInScope` says whether the referenced entity is kept.
 * Shared by the server (delta filtering) and clients (local eviction after a subscription change).
 */
export function inScope(subscription: Subscription | null, type: EntityType, data: EntityData, referenceInScope?: (id: string) => boolean): boolean {
  if (!subscription) return true;
  if (subscription.entityTypes && !subscription.entityTypes.includes(type)) return false;
  const scope = getEntity(type).scope;
  if (!subscription.locations || !scope) return true;
  if (scope.by === "field") return locationMatches(subscription.locations, data[scope.field]);
  const id = data[scope.field];
  return typeof id === "string" && (referenceInScope?.(id) ?? false);
}
