import { type EntityData, type EntityType, getEntity } from "@fieldsync/schema";

/**
 * Parent lookups derived from the registry's `references`: every reference field of every type is
 * indexed, so "the tasks of this asset" needs no code naming assets. A key names the field as well
 * as the id, so two reference fields of one type never answer for each other.
 */
export const parentKey = (field: string, id: string) => `${field}=${id}`;

/** The reference fields of a type, in registry order. */
export const referenceFields = (type: EntityType): string[] => Object.keys(getEntity(type).references);

/** The parentKeys of an entity: one per reference field holding an id. */
export function parentKeys(type: EntityType, data: EntityData | null): string[] {
  if (!data) return [];
  return referenceFields(type).flatMap((field) => {
    const value = data[field];
    return typeof value === "string" ? [parentKey(field, value)] : [];
  });
}

/** The keys under which entities of `type` referencing `parentId` (through any field) are indexed. */
export const childKeys = (type: EntityType, parentId: string): string[] =>
  referenceFields(type).map((field) => parentKey(field, parentId));
