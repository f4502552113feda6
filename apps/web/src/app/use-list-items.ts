import type { EntityType } from "@fieldsync/schema";
import type { LocalEntity } from "@fieldsync/sync-client";
import { startTransition, useEffect, useState } from "react";
import { readRowsInPages, watchRows } from "./list-rows.ts";
import { type ListItem, type SortKey, itemOrder, listItems, siteRule, sitesOf } from "./list-view.ts";
import { sortInSlices } from "./sliced-sort.ts";
import { type Pause, slicer } from "./slices.ts";

export interface SortedItems {
  /** Every item of the type, as read. */
  items: ListItem<LocalEntity>[];
  /** The same items in the list's order. */
  sorted: ListItem<LocalEntity>[];
  /** The items' distinct sites, in natural order. */
  sites: string[];
}

/** Items built a page of rows at a time (for a type scoped through a reference, its parents read first). */
async function readItems(type: EntityType, pause: Pause): Promise<ListItem<LocalEntity>[]> {
  const parentType = siteRule(type)?.through?.type;
  const parents = new Map(parentType ? (await readRowsInPages(parentType, pause)).map((row) => [row.id, row]) : []);
  const rows = await readRowsInPages(type, pause);
  const items: ListItem<LocalEntity>[] = [];
  for (let start = 0; start < rows.length; start += 500) {
    items.push(...listItems(type, rows.slice(start, start + 500), parents));
    await pause();
  }
  return items;
}

/** Runs `work` in slices, again on each change of `deps`; a newer run cancels the older one. */
function useSlicedWork<T>(work: ((pause: Pause) => Promise<T>) | null, onDone: (value: T) => void, deps: unknown[]): void {
  useEffect(() => {
    if (!work) return;
    const abort = new AbortController();
    work(slicer(abort.signal)).then(
      // A transition: React renders the new list in slices too (10,000 rows' layout is not free).
      (value) => abort.signal.aborted || startTransition(() => onDone(value)),
      (error: unknown) => abort.signal.aborted || console.error("preparing the list failed", error),
    );
    return () => abort.abort();
  }, deps);
}

/**
 * The items of `type`'s list, read once `enabled`, again whenever its rows change, and sorted by
 * `sort`, all in slices (see slices.ts): the page paints and answers input while 10,000 rows are
 * read and sorted. Undefined until the first are ready; afterwards the last ready list stays on
 * screen while a newer one is prepared.
 */
export function useListItems(type: EntityType, enabled: boolean, sort: SortKey): SortedItems | undefined {
  const [changes, setChanges] = useState(0);
  const [items, setItems] = useState<ListItem<LocalEntity>[]>();
  const [sorted, setSorted] = useState<SortedItems>();
  const parentType = siteRule(type)?.through?.type;

  useEffect(() => {
    if (!enabled) return;
    return watchRows(parentType ? [type, parentType] : [type], () => setChanges((count) => count + 1));
  }, [type, parentType, enabled]);
  useSlicedWork(changes > 0 ? (pause) => readItems(type, pause) : null, setItems, [type, changes]);
  useSlicedWork(
    items ? async (pause) => ({ items, sorted: await sortInSlices(items, itemOrder(type, sort), pause), sites: sitesOf(items) }) : null,
    setSorted,
    [type, items, sort],
  );
  return sorted;
}
