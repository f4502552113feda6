import { type EntityType, type FieldSpec, entityTitle, fieldLabel, fieldSpecs, getEntity, taskPrioritySchema } from "@fieldsync/schema";

// What a long list shows, derived from rows alone: natural order, filters by enum fields and
// site, search, and sections by site. Pure, so 10,000 rows are sorted once per change of rows
// or order and each keystroke only filters (see EntityList).

/** "Meter 2" before "Meter 10"; case and accents do not separate names. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
export const naturalCompare = (a: string, b: string): number => collator.compare(a, b);

/** The minimum a list needs of a stored row. */
export interface ListSource {
  id: string;
  data: Record<string, unknown> | null;
}

/**
 * Where an entity is: its type's scope field (an asset's location), or, for a type scoped
 * through a reference (a task through its asset), the referenced entity's. `label` names it in
 * controls; null for a type without a scope.
 */
export interface SiteRule {
  label: string;
  /** The field holding the site, on the entity itself or on `through`'s referenced type. */
  field: string;
  through?: { field: string; type: EntityType };
}

export function siteRule(type: EntityType): SiteRule | null {
  const entity = getEntity(type);
  if (!entity.scope) return null;
  if (entity.scope.by === "field") return { label: fieldLabel(type, entity.scope.field), field: entity.scope.field };
  const parentType = (entity.references as Record<string, EntityType | undefined>)[entity.scope.field];
  const parentRule = parentType ? siteRule(parentType) : null;
  if (!parentType || !parentRule || parentRule.through) return null;
  return { label: parentRule.label, field: parentRule.field, through: { field: entity.scope.field, type: parentType } };
}

export interface ListItem<S extends ListSource = ListSource> {
  source: S;
  title: string;
  site: string | null;
  /** For a type scoped through a reference: the referenced entity's title (a task's asset). */
  parentTitle: string | null;
  /** Every enum field's value, by field name. */
  values: Record<string, string | null>;
  /** Lower-case text a search matches: title, single-line text fields, site, parent. */
  text: string;
}

const asText = (value: unknown): string | null => (value === null || value === undefined || value === "" ? null : String(value));

/** The enum fields of a type: what a list filters and sorts by besides title and site. */
export const enumFields = (type: EntityType): FieldSpec[] => fieldSpecs(type).filter((spec) => spec.kind === "select");

/** Builds the items of `rows`; `parents` resolves references for types scoped through one. */
export function listItems<S extends ListSource>(type: EntityType, rows: readonly S[], parents: ReadonlyMap<string, ListSource> = new Map()): ListItem<S>[] {
  const rule = siteRule(type);
  const through = rule?.through;
  const parentType = through?.type;
  const searchable = fieldSpecs(type).filter((spec) => spec.kind === "text");
  const enums = enumFields(type);
  return rows.map((source) => {
    const data = source.data ?? {};
    const parent = through ? parents.get(String(data[through.field])) : undefined;
    const site = rule ? asText((through ? parent?.data : data)?.[rule.field]) : null;
    const parentTitle = parentType && parent ? entityTitle(parentType, parent.data) : null;
    const title = entityTitle(type, data) ?? source.id;
    const values = Object.fromEntries(enums.map((spec) => [spec.name, asText(data[spec.name])]));
    const text = [title, ...searchable.map((spec) => asText(data[spec.name])), site, parentTitle].filter(Boolean).join("\n").toLowerCase();
    return { source, title, site, parentTitle, values, text };
  });
}

/** "title", "site", or the name of an enum field (ordered as the schema lists its values). */
export type SortKey = string;

export interface ListQuery {
  search: string;
  sort: SortKey;
  /** Enum field → the value kept; fields absent here are not filtered. */
  filters: Readonly<Record<string, string>>;
  /** The site kept; null keeps every site. */
  site: string | null;
  groupBySite: boolean;
}

/** `filters` with `field` kept at `value`, or no longer filtered when `value` is "". */
export function withFilter(filters: ListQuery["filters"], field: string, value: string): ListQuery["filters"] {
  const { [field]: _dropped, ...others } = filters;
  return value ? { ...others, [field]: value } : others;
}

export const emptyQuery: ListQuery = { search: "", sort: "title", filters: {}, site: null, groupBySite: false };

/** Missing values sort last whatever the key. */
const compareMissingLast = (a: string | null, b: string | null, compare: (a: string, b: string) => number) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : compare(a, b);

/** The list's order: by `sort`, then by title, then by id (a total order: equal titles still have one). */
export function itemOrder(type: EntityType, sort: SortKey): (a: ListItem, b: ListItem) => number {
  const options = enumFields(type).find((spec) => spec.name === sort)?.options?.map((option) => option.value);
  const rank = (value: string, other: string) => (options ?? []).indexOf(value) - (options ?? []).indexOf(other);
  const first = (a: ListItem, b: ListItem): number =>
    sort === "site" ? compareMissingLast(a.site, b.site, naturalCompare) : options ? compareMissingLast(a.values[sort] ?? null, b.values[sort] ?? null, rank) : 0;
  return (a, b) => first(a, b) || naturalCompare(a.title, b.title) || (a.source.id < b.source.id ? -1 : a.source.id > b.source.id ? 1 : 0);
}

/** A sorted copy in the list's order (`itemOrder`). */
export const sortItems = <S extends ListSource>(type: EntityType, items: readonly ListItem<S>[], sort: SortKey): ListItem<S>[] =>
  [...items].sort(itemOrder(type, sort));

/** Most pressing first: the schema lists priorities from low to urgent. */
const priorityRank = (priority: string | null) => -taskPrioritySchema.options.indexOf(priority as never);
const dueTime = (item: ListItem) => {
  const due = item.source.data?.["dueAt"];
  return typeof due === "string" ? Date.parse(due) : Infinity;
};

/**
 * Tasks in working order (the Tasks screen): open work before done; then the most pressing
 * priority, the soonest due date (none last), and the title in natural order.
 */
export function sortByWork<S extends ListSource>(items: readonly ListItem<S>[]): ListItem<S>[] {
  return [...items].sort(
    (a, b) =>
      Number(a.values["status"] === "DONE") - Number(b.values["status"] === "DONE") ||
      priorityRank(a.values["priority"] ?? null) - priorityRank(b.values["priority"] ?? null) ||
      dueTime(a) - dueTime(b) ||
      naturalCompare(a.title, b.title),
  );
}

/** The items matching every filter and each word of the search, in their given order. */
export function filterItems<S extends ListSource>(items: readonly ListItem<S>[], query: Pick<ListQuery, "search" | "filters" | "site">): readonly ListItem<S>[] {
  const words = query.search.toLowerCase().split(/\s+/).filter(Boolean);
  const filters = Object.entries(query.filters);
  // Unfiltered (a list's first render): the same array, no pass over 10,000 items.
  if (words.length === 0 && filters.length === 0 && query.site === null) return items;
  return items.filter(
    (item) =>
      (query.site === null || item.site === query.site) &&
      filters.every(([field, value]) => item.values[field] === value) &&
      words.every((word) => item.text.includes(word)),
  );
}

/** The distinct sites of `items`, in natural order. */
export const sitesOf = (items: readonly ListItem[]): string[] =>
  [...new Set(items.flatMap((item) => (item.site === null ? [] : [item.site])))].sort(naturalCompare);

export type ListEntry<S extends ListSource = ListSource> = { kind: "group"; site: string | null; count: number } | { kind: "item"; item: ListItem<S> };

/**
 * The entries a list renders: the items as they are, or grouped by site under a heading per
 * site (sites in natural order, items without one last), each group keeping the items' order.
 */
export function listEntries<S extends ListSource>(items: readonly ListItem<S>[], groupBySite: boolean): ListEntry<S>[] {
  if (!groupBySite) return items.map((item) => ({ kind: "item", item }));
  const groups = new Map<string | null, ListItem<S>[]>();
  for (const item of items) {
    const group = groups.get(item.site);
    if (group) group.push(item);
    else groups.set(item.site, [item]);
  }
  const sites = [...groups.keys()].sort((a, b) => compareMissingLast(a, b, naturalCompare));
  return sites.flatMap((site): ListEntry<S>[] => {
    const members = groups.get(site) ?? [];
    return [{ kind: "group", site, count: members.length }, ...members.map((item): ListEntry<S> => ({ kind: "item", item }))];
  });
}
