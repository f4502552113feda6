import { Prisma, type Db } from "@fieldsync/db";
import { type EntityRef, type EntityType, type Subscription, getEntity } from "@fieldsync/schema";
import { type ScopedChange, scopeTarget, scopedTypes, splitToScope } from "@fieldsync/sync-core";

export { scopedTypes };

// Selective sync on the server: which entities a device's subscription keeps. The rules live in
// sync-core (`inScope`) and the registry (`scope` of each type); here they become SQL for
// snapshots and a filter over change-log pages.

const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** SQL condition on an entity table aliased `e` that keeps rows in the subscription. */
export function scopeCondition(subscription: Subscription | null, type: EntityType): Prisma.Sql {
  const scope = getEntity(type).scope;
  if (!subscription?.locations || !scope) return Prisma.empty;
  const patterns = subscription.locations.map(likePrefix);
  if (scope.by === "field") return Prisma.sql`AND e.${Prisma.raw(`"${scope.field}"`)} LIKE ANY(${patterns}::text[])`;
  const target = (getEntity(type).references as Record<string, EntityType>)[scope.field]!;
  const targetScope = getEntity(target).scope;
  if (targetScope?.by !== "field") return Prisma.empty;
  return Prisma.sql`AND EXISTS (
    SELECT 1 FROM ${Prisma.raw(`"${getEntity(target).model}"`)} r
    WHERE r."orgId" = e."orgId" AND r."id" = e.${Prisma.raw(`"${scope.field}"`)}
      AND r.${Prisma.raw(`"${targetScope.field}"`)} LIKE ANY(${patterns}::text[]))`;
}

/** Ids (of `type`) that are currently in the subscription. */
async function idsInScope(db: Db, orgId: string, subscription: Subscription, type: EntityType, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT e."id" FROM ${Prisma.raw(`"${getEntity(type).model}"`)} e
    WHERE e."orgId" = ${orgId} AND e."id" = ANY(${ids}::text[]) ${scopeCondition(subscription, type)}`;
  return new Set(rows.map((r) => r.id));
}

/**
 * Splits a page of change-log rows for a subscription (sync-core's splitToScope), looking up in
 * one query per referenced type whether the entities that reference-scoped rows point to are kept.
 */
export async function filterToScope<R extends ScopedChange>(db: Db, orgId: string, subscription: Subscription | null, rows: R[]) {
  if (!subscription?.locations) return { kept: rows, evict: [] as EntityRef[] };
  const referenced = new Map<EntityType, Set<string>>();
  for (const row of rows) {
    const scope = scopeTarget(row.entityType);
    const id = scope && row.data?.[scope.field];
    if (scope && typeof id === "string") referenced.set(scope.target, (referenced.get(scope.target) ?? new Set()).add(id));
  }
  const keptIds = new Map<EntityType, Set<string>>();
  for (const [type, ids] of referenced) keptIds.set(type, await idsInScope(db, orgId, subscription, type, [...ids]));
  return splitToScope(subscription, rows, (target, id) => keptIds.get(target)?.has(id) ?? false);
}

/** Entities the old subscription kept that the new one does not (what a device must drop). */
export async function leftScope(db: Db, orgId: string, before: Subscription | null, after: Subscription): Promise<EntityRef[]> {
  const evict: EntityRef[] = [];
  for (const type of scopedTypes(before)) {
    const table = Prisma.raw(`"${getEntity(type).model}"`);
    const wasKept = await db.$queryRaw<{ id: string }[]>`SELECT e."id" FROM ${table} e WHERE e."orgId" = ${orgId} ${scopeCondition(before, type)}`;
    const typeStays = scopedTypes(after).includes(type);
    const stillKept = typeStays ? await idsInScope(db, orgId, after, type, wasKept.map((r) => r.id)) : new Set<string>();
    for (const { id } of wasKept) if (!stillKept.has(id)) evict.push({ entityType: type, entityId: id });
  }
  return evict;
}
