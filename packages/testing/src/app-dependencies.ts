// The dependency rule between workspaces: apps sit at the top, nothing depends on one. Test kits
// that need a running app start it as a process (see server.ts) instead of importing it.
import type { Workspace } from "./workspace.ts";

/** "<workspace> depends on <app>" for every dependency on an `apps/*` workspace the rule forbids. */
export function appDependencies(all: Workspace[]): string[] {
  const apps = new Set(all.filter((w) => w.dir.startsWith("apps/")).map((w) => w.name));
  return all.flatMap((w) =>
    w.dependsOn.filter((dep) => apps.has(dep)).map((dep) => `${w.name} (${w.dir}) depends on ${dep}`),
  );
}
