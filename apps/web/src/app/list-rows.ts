import type { EntityType } from "@fieldsync/schema";
import type { LocalEntity } from "@fieldsync/sync-client";
import { Dexie, liveQuery } from "dexie";
import { store } from "./runtime.ts";
import type { Pause } from "./slices.ts";

// A long list's rows read from this device's store in pages: one read of 10,000 rows is one
// long task (deserializing them all), and read inside a live query Dexie also clones them and
// records each key it returned. Pages, read outside any live query, keep each step short; a
// cheap live query (a count over the type's key range) only says when to read again.

const pageSize = 500;

/** Every row of `type` (its primary keys `[type, id]`): the range a page walks and a change falls in. */
const rangeOf = (type: EntityType, after: string | number = Dexie.minKey) =>
  store.db.entities.where(":id").between([type, after], [type, Dexie.maxKey], false, true);

/** The live (not deleted) rows of `type`, a page at a time, pausing between pages. */
export async function readRowsInPages(type: EntityType, pause: Pause): Promise<LocalEntity[]> {
  const rows: LocalEntity[] = [];
  for (let after: string | number = Dexie.minKey; ; ) {
    const page: LocalEntity[] = await rangeOf(type, after).limit(pageSize).toArray();
    for (const row of page) if (row.deleted === 0) rows.push(row);
    const last: LocalEntity | undefined = page.at(-1);
    if (!last || page.length < pageSize) return rows;
    after = last.id;
    await pause();
  }
}

/**
 * Calls `onChange` now and whenever a row of one of `types` is written here, in another tab or
 * by the service worker (Dexie's live queries see them all). Returns the unsubscribe.
 */
export function watchRows(types: readonly EntityType[], onChange: () => void): () => void {
  const subscription = liveQuery(() => Promise.all(types.map((type) => rangeOf(type).count()))).subscribe({
    next: onChange,
    error: (error: unknown) => console.error("watching the list's rows failed", error),
  });
  return () => subscription.unsubscribe();
}
