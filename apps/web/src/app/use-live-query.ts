import { liveQuery } from "dexie";
import { type DependencyList, useEffect, useState } from "react";

/**
 * Subscribes to an IndexedDB query and re-renders when its result changes — also when another
 * tab or the service worker wrote (Dexie broadcasts changes across contexts). `undefined` until
 * the first result.
 */
export function useLiveQuery<T>(query: () => Promise<T>, deps: DependencyList): T | undefined {
  const [result, setResult] = useState<{ value: T } | undefined>(undefined);
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: (value) => setResult({ value }),
      error: (error: unknown) => console.error("live query failed", error),
    });
    return () => subscription.unsubscribe();
  }, deps);
  return result?.value;
}
