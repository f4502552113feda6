import { entityTypes } from "@fieldsync/schema";
import { canonicalJson } from "@fieldsync/sync-core";
import type { LocalStore } from "../local-store.ts";
import { syncUntil, type TestDevice } from "./device.ts";

/** Every live entity a device holds, comparable across devices. */
export async function snapshot(store: LocalStore) {
  const rows = (await Promise.all(entityTypes.map((type) => store.list(type)))).flat();
  return rows
    .map(({ type, id, version, data, pending }) => ({ type, id, version, data, pending }))
    .sort((a, b) => `${a.type}:${a.id}`.localeCompare(`${b.type}:${b.id}`));
}

/** Syncs the devices until they hold identical data with nothing pending; returns that data. */
export async function converge(...devices: TestDevice[]) {
  let views: Awaited<ReturnType<typeof snapshot>>[] = [];
  await syncUntil(devices, async () => {
    views = await Promise.all(devices.map((device) => snapshot(device.engine.store)));
    const [first, ...rest] = views.map((view) => canonicalJson(view));
    return views[0]!.every((row) => row.pending === 0) && rest.every((view) => view === first);
  });
  return views[0]!;
}
