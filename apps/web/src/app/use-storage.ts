import { useEffect, useState } from "react";

export interface StorageInfo {
  usage?: number;
  quota?: number;
  persisted: boolean;
}

/** Storage used by this origin and whether the browser promised not to evict it. */
export function useStorageInfo(refreshKey: unknown): StorageInfo | undefined {
  const [info, setInfo] = useState<StorageInfo>();
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const estimate = await navigator.storage?.estimate?.();
      const persisted = (await navigator.storage?.persisted?.()) ?? false;
      if (!cancelled) setInfo({ usage: estimate?.usage, quota: estimate?.quota, persisted });
    })();
    return () => {
      cancelled = true;
    };
  }, [refreshKey]);
  return info;
}
