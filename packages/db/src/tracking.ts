import { AsyncLocalStorage } from "node:async_hooks";
import { entityRegistry } from "@fieldsync/schema";
import { Prisma } from "./generated/prisma/client.ts";

// Version tracking has two halves. The database triggers `fieldsync_track_*` bump SyncMetadata,
// store the checksum and append to ChangeLog inside the writing transaction, whatever issued
// the write. This extension supplies what only the application knows: who is writing. It stamps
// `updatedBy` on every create/update of a synced model from the ambient actor (`runAs`), so that
// even `db.asset.update(...)` in a script records a truthful lastModifiedBy.

const actorStorage = new AsyncLocalStorage<string>();

/**
 * Runs `fn` with `actor` (a user id, or a name such as "seed") as the author of its writes.
 * Awaits inside the context because Prisma queries are lazy: they run when awaited.
 */
export const runAs = <T>(actor: string, fn: () => T | PromiseLike<T>): Promise<T> =>
  actorStorage.run(actor, async () => await fn());

export const currentActor = () => actorStorage.getStore() ?? "system";

const syncedModels = new Set<string>(Object.values(entityRegistry).map((entity) => entity.model));

type Data = Record<string, unknown>;
const stamp = (data: unknown, actor: string): unknown =>
  Array.isArray(data)
    ? data.map((row) => stamp(row, actor))
    : data && typeof data === "object" && !("updatedBy" in data)
      ? { ...(data as Data), updatedBy: actor }
      : data;

export const versionTracking = Prisma.defineExtension({
  name: "fieldsync-version-tracking",
  query: {
    $allModels: {
      async $allOperations({ model, operation, args, query }) {
        if (!syncedModels.has(model)) return query(args);
        const actor = currentActor();
        const a = args as Data;
        switch (operation) {
          case "create":
          case "createMany":
          case "createManyAndReturn":
          case "update":
          case "updateMany":
          case "updateManyAndReturn":
            return query({ ...a, data: stamp(a.data, actor) } as typeof args);
          case "upsert":
            return query({ ...a, create: stamp(a.create, actor), update: stamp(a.update, actor) } as typeof args);
          default:
            return query(args);
        }
      },
    },
  },
});
