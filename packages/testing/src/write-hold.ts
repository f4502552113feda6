import type { Db } from "@fieldsync/db";

/**
 * Takes a SHARE lock on `table` in a transaction left open until `release()`: reads go on, every
 * write to the table waits for the release. Tests use it to keep pushes (or, on SyncRun, which
 * every push and pull records, pulls) in flight on purpose.
 * Resolves once the lock is held.
 */
export async function holdWrites(db: Db, table: "Asset" | "Task" | "SyncRun") {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const held = new Promise<void>((resolve) => (locked = resolve));
  const transaction = db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`LOCK TABLE "${table}" IN SHARE MODE`);
      locked();
      await released;
    },
    { timeout: 120_000 },
  );
  await Promise.race([held, transaction]);
  return {
    release: async () => {
      release();
      await transaction;
    },
  };
}
