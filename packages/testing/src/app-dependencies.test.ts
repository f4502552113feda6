import { expect, test } from "vitest";
import { appDependencies } from "./app-dependencies.ts";
import { workspaces } from "./workspace.ts";

test("no workspace depends on an app (test kits live in @fieldsync/testing)", () => {
  const all = workspaces();
  expect(all.map((w) => w.dir)).toEqual(expect.arrayContaining(["apps/server", "apps/web", "apps/worker", "packages/testing", "bench"]));
  expect(appDependencies(all)).toEqual([]);
});

test("the rule sees a package or an app that depends on an app", () => {
  const server = { dir: "apps/server", name: "@fieldsync/server", dependsOn: [] };
  const worker = { dir: "apps/worker", name: "@fieldsync/worker", dependsOn: ["@fieldsync/server"] };
  const client = { dir: "packages/sync-client", name: "@fieldsync/sync-client", dependsOn: ["@fieldsync/worker"] };
  expect(appDependencies([server, worker, client])).toEqual([
    "@fieldsync/worker (apps/worker) depends on @fieldsync/server",
    "@fieldsync/sync-client (packages/sync-client) depends on @fieldsync/worker",
  ]);
});
