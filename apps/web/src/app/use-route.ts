import { type EntityType, entityTypeSchema } from "@fieldsync/schema";
import { useEffect, useState } from "react";

/** Screens are addressed by the URL hash (`#/assets/<id>`), so any path serves the one app shell. */
export type Route =
  | { name: "today" }
  | { name: "tasks" }
  | { name: "assets" }
  | { name: "asset"; id: string }
  | { name: "asset-new" }
  | { name: "asset-edit"; id: string }
  | { name: "schedules" }
  | { name: "sync" }
  // `id`: one conflict, as a conflict badge links to it.
  | { name: "conflicts"; id?: string }
  | { name: "devices" }
  | { name: "health" }
  // Any entity type, on the generic screens the registry drives (`#/records/<type>/…`).
  | { name: "records"; type: EntityType }
  | { name: "record"; type: EntityType; id: string }
  | { name: "record-new"; type: EntityType }
  | { name: "record-edit"; type: EntityType; id: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const [first, second, third, fourth] = parts;
  const recordType = entityTypeSchema.safeParse(second);
  if (first === "records" && recordType.success) {
    const type = recordType.data;
    if (third === "new") return { name: "record-new", type };
    if (third && fourth === "edit") return { name: "record-edit", type, id: third };
    if (third) return { name: "record", type, id: third };
    return { name: "records", type };
  }
  if (first === "assets" && second === "new") return { name: "asset-new" };
  if (first === "assets" && second && third === "edit") return { name: "asset-edit", id: second };
  if (first === "assets" && second) return { name: "asset", id: second };
  if (first === "today" || first === "tasks") return { name: first };
  if (first === "assets") return { name: "assets" };
  if (first === "conflicts") return second ? { name: "conflicts", id: second } : { name: "conflicts" };
  if (first === "schedules" || first === "sync" || first === "devices" || first === "health") return { name: first };
  return { name: "today" };
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
    case "records":
      return `#/records/${route.type}`;
    case "record":
      return `#/records/${route.type}/${route.id}`;
    case "record-new":
      return `#/records/${route.type}/new`;
    case "record-edit":
      return `#/records/${route.type}/${route.id}/edit`;
    case "conflicts":
      return route.id ? `#/conflicts/${route.id}` : "#/conflicts";
    default:
      return `#/${route.name}`;
  }
}

export interface EntityRoutes {
  list: Route;
  detail: (id: string) => Route;
  create: Route;
  edit: (id: string) => Route;
}

/** Where a type's list, detail and editor live: assets on their own screens, any type on the generic ones. */
export const entityRoutes = (type: EntityType): EntityRoutes =>
  type === "asset"
    ? { list: { name: "assets" }, detail: (id) => ({ name: "asset", id }), create: { name: "asset-new" }, edit: (id) => ({ name: "asset-edit", id }) }
    : {
        list: { name: "records", type },
        detail: (id) => ({ name: "record", type, id }),
        create: { name: "record-new", type },
        edit: (id) => ({ name: "record-edit", type, id }),
      };

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
