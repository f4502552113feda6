import { expect, test } from "vitest";
import { entityRoutes, href, parseRoute } from "./use-route.ts";

test("every route survives its own address", () => {
  const id = "6f1c1d38-6a57-4c4b-9d5e-6c0a3a0a0a02";
  for (const type of ["asset", "task"] as const) {
    const routes = entityRoutes(type);
    for (const route of [routes.list, routes.detail(id), routes.create, routes.edit(id)]) expect(parseRoute(href(route))).toEqual(route);
  }
  expect(href(entityRoutes("task").edit(id))).toBe(`#/records/task/${id}/edit`);
  expect(href(entityRoutes("asset").detail(id))).toBe(`#/assets/${id}`);
  for (const route of [{ name: "conflicts" } as const, { name: "conflicts", id } as const]) expect(parseRoute(href(route))).toEqual(route);
  expect(href({ name: "conflicts", id })).toBe(`#/conflicts/${id}`);
});

test("an address naming no entity type leads home, to today's work", () => {
  expect(parseRoute("#/records/invoice/1")).toEqual({ name: "today" });
  expect(parseRoute("")).toEqual({ name: "today" });
  expect(parseRoute("#/assets")).toEqual({ name: "assets" });
  expect(parseRoute(href({ name: "tasks" }))).toEqual({ name: "tasks" });
});
