import { useEffect, useState } from "react";

/** Screens are addressed by the URL hash (`#/assets/<id>`), so any path serves the one app shell. */
export type Route =
  | { name: "assets" }
  | { name: "asset"; id: string }
  | { name: "asset-new" }
  | { name: "asset-edit"; id: string }
  | { name: "schedules" }
  | { name: "sync" }
  | { name: "conflicts" }
  | { name: "devices" }
  | { name: "health" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const [first, second, third] = parts;
  if (first === "assets" && second === "new") return { name: "asset-new" };
  if (first === "assets" && second && third === "edit") return { name: "asset-edit", id: second };
  if (first === "assets" && second) return { name: "asset", id: second };
  if (first === "schedules" || first === "sync" || first === "conflicts" || first === "devices" || first === "health") return { name: first };
  return { name: "assets" };
}

export function href(route: Route): string {
  switch (route.name) {
    case "asset":
      return `#/assets/${route.id}`;
    case "asset-new":
      return "#/assets/new";
    case "asset-edit":
      return `#/assets/${route.id}/edit`;
    case "assets":
      return "#/assets";
    default:
      return `#/${route.name}`;
  }
}

/**
 * Navigates from `from` to `to` only while the user is still on `from`. For moves that follow a
 * local save: a save can land late (a busy device), and by then the user may have gone elsewhere;
 * pulling them back would override where they chose to be.
 */
export const navigateFrom = (from: Route, to: Route) => {
  if (href(parseRoute(location.hash)) === href(from)) location.hash = href(to);
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
