import { type EntityData, type EntityRef, type EntityType, type Subscription, entityTypes, getEntity } from "@fieldsync/schema";

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

/** The types a subscription pulls, optionally narrowed further by a request's own list. */
export function scopedTypes(subscription: Subscription | null, requested?: readonly EntityType[]): EntityType[] {
  const allowed = subscription?.entityTypes ?? entityTypes;
  return (requested ?? entityTypes).filter((type) => allowed.includes(type));
}

/**
 * One key per scope, whatever the order of a subscription's lists ("" for no subscription): a
 * server groups a stream's devices by it, and a device compares an event's scope with its own.
 */
export function scopeKey(subscription: Subscription | null | undefined): string {
  if (!subscription) return "";
  const sorted = (list?: readonly string[]) => (list ? [...new Set(list)].sort() : null);
  return JSON.stringify([sorted(subscription.entityTypes), sorted(subscription.locations)]);
}

/** The type an entity of `type` is scoped through (a task's asset), when its scope is a reference. */
export function scopeTarget(type: EntityType): { field: string; target: EntityType } | null {
  const scope = getEntity(type).scope;
  if (scope?.by !== "reference") return null;
  return { field: scope.field, target: (getEntity(type).references as Record<string, EntityType>)[scope.field]! };
}

/** A change as scope filtering sees it: tombstones have no data. */
export interface ScopedChange {
  entityType: EntityType;
  entityId: string;
  operation: "CREATE" | "UPDATE" | "DELETE";
  data: EntityData | null;
}

/**
 * Splits changes of the subscription's types for its locations: changes to deliver, and entities
 * to evict because an update took them out of scope (an asset moved to another site). Tombstones
 * are always delivered; a device that never had the entity ignores them. A reference-scoped
 * change is judged by where the referenced entity is now (`referenceInScope(target, id)`).
 */
export function splitToScope<C extends ScopedChange>(
  subscription: Subscription | null,
  changes: readonly C[],
  referenceInScope: (target: EntityType, id: string) => boolean,
): { kept: C[]; evict: EntityRef[] } {
  if (!subscription?.locations) return { kept: [...changes], evict: [] };
  const kept: C[] = [];
  const evict: EntityRef[] = [];
  for (const change of changes) {
    if (!change.data) {
      kept.push(change);
      continue;
    }
    const target = scopeTarget(change.entityType)?.target;
    const keep = inScope(subscription, change.entityType, change.data, (id) => (target ? referenceInScope(target, id) : false));
    if (keep) kept.push(change);
    else if (change.operation === "UPDATE") evict.push({ entityType: change.entityType, entityId: change.entityId });
  }
  return { kept, evict };
}
