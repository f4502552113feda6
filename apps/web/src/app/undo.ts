import type { EntityType } from "@fieldsync/schema";
import { useSyncExternalStore } from "react";
import { localEdit } from "./local-edit.ts";
import { store } from "./runtime.ts";

// The one edit the user can take back (the snackbar's Undo): a later offer replaces it.

export interface UndoOffer {
  /** What was done, in words ("Generator test run done"). */
  message: string;
  undo: () => Promise<unknown>;
}

let current: UndoOffer | null = null;
const listeners = new Set<() => void>();

const publish = (offer: UndoOffer | null) => {
  current = offer;
  for (const listener of listeners) listener();
};

/** Withdraws `offer` if it is still the one shown (a later offer stays). */
export const dismissUndo = (offer: UndoOffer) => {
  if (current === offer) publish(null);
};

export const useUndoOffer = () =>
  useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );

/**
 * Changes fields of an entity (a local edit, synced as usual) and offers to put their previous
 * values back. The undo is an edit too: while the change is still unsent it cancels it out of the
 * outbox (sync-core's queueEdit); once sent, it is a change of its own.
 */
export async function editWithUndo(type: EntityType, id: string, patch: Record<string, unknown>, message: string): Promise<void> {
  const before = (await store.get(type, id))?.data;
  if (!before) return;
  const failed = await localEdit(() => store.update(type, id, patch));
  if (failed) return;
  const previous = Object.fromEntries(Object.keys(patch).map((field) => [field, before[field] ?? null]));
  publish({ message, undo: () => localEdit(() => store.update(type, id, previous)) });
}
