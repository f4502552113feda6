import { useSyncExternalStore } from "react";

const subscribe = (onChange: () => void) => {
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => {
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
  };
};

/** The browser's idea of connectivity: "offline" is reliable, "online" only means "maybe". */
export const useOnline = () => useSyncExternalStore(subscribe, () => navigator.onLine);
