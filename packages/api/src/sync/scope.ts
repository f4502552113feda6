import { Prisma, type Db } from "@fieldsync/db";
import { type EntityData, type EntityRef, type EntityType, type Subscription, entityTypes, getEntity } from "@fieldsync/schema";
import { inScope } from "@fieldsync/sync-core";

// Selective sync on the server: which entities a device's subscription keeps. The rules live in
// sync-core (`inScope`) and the registry (`scope` of each type); here they become SQL for
// snapshots and a filter over change-log pages.

const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The types a subscription pulls, optionally narrowed further by a request's own list. */
export function scopedTypes(subscription: Subscription | null, requested?: readonly EntityType[]): EntityType[] {
  const allowed = subscription?.entityTypes ?? entityTypes;
  return (requested ?? entityTypes).filter((type) => allowed.includes(type));
}

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

export interface ScopedRow {
  entityType: EntityType;
  entityId: string;
  operation: "CREATE" | "UPDATE" | "DELETE";
  data: EntityData | null;
}

/**
 * Splits a page of change-log rows for a subscription: rows to deliver, and entities to evict
 * because an update took them out of scope (an asset moved to another site). Tombstones are always
 * delivered; a device that never had the entity ignores them. Reference-scoped rows are judged by
 * where the referenced entity is now.
 */
export async function filterToScope<R extends ScopedRow>(db: Db, orgId: string, subscription: Subscription | null, rows: R[]) {
  if (!subscription?.locations) return { kept: rows, evict: [] as EntityRef[] };
  const referenced = new Map<EntityType, Set<string>>();
  for (const row of rows) {
    const scope = getEntity(row.entityType).scope;
    if (scope?.by !== "reference" || !row.data) continue;
    const target = (getEntity(row.entityType).references as Record<string, EntityType>)[scope.field]!;
    const id = row.data[scope.field];
    if (typeof id === "string") referenced.set(target, (referenced.get(target) ?? new Set()).add(id));
  }
  const keptIds = new Map<EntityType, Set<string>>();
  for (const [type, ids] of referenced) keptIds.set(type, await idsInScope(db, orgId, subscription, type, [...ids]));
  const kept: R[] = [];
  const evict: EntityRef[] = [];
  for (const row of rows) {
    if (!row.data) {
      kept.push(row);
      continue;
    }
    const target = (getEntity(row.entityType).references as Record<string, EntityType>)[getEntity(row.entityType).scope?.field ?? ""];
    const keep = inScope(subscription, row.entityType, row.data, (id) => (target ? (keptIds.get(target)?.has(id) ?? false) : false));
    if (keep) kept.push(row);
    else if (row.operation === "UPDATE") evict.push({ entityType: row.entityType, entityId: row.entityId });
  }
  return { kept, evict };
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
