// Where the workspace is on disk, and what its package.json files declare: kits start apps by
// path from here, so no package has to depend on an app to run one.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

/** The folder holding pnpm-workspace.yaml. */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

export interface Workspace {
  /** Folder relative to the root, e.g. "apps/server". */
  dir: string;
  name: string;
  /** Every workspace it names in dependencies, devDependencies or peerDependencies. */
  dependsOn: string[];
}

/** Patterns of pnpm-workspace.yaml's `packages:` list ("apps/*", "bench"). */
function workspacePatterns(root: string): string[] {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  const block = /^packages:\n((?:\s+-.*\n)+)/m.exec(yaml)?.[1] ?? "";
  return [...block.matchAll(/-\s*["']?([^"'\n]+)["']?/g)].map((match) => match[1]!.trim());
}

/** Every workspace of the repository at `root`, from its package.json. */
export function workspaces(root = repoRoot): Workspace[] {
  const dirs = workspacePatterns(root).flatMap((pattern) =>
    pattern.endsWith("/*")
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && existsSync(join(root, pattern.slice(0, -2), entry.name, "package.json")))
          .map((entry) => join(pattern.slice(0, -2), entry.name))
      : [pattern],
  );
  const manifests = dirs.map((dir) => ({ dir, json: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) }));
  const names = new Set(manifests.map((m) => m.json.name as string));
  return manifests.map(({ dir, json }) => ({
    dir: relative(root, join(root, dir)),
    name: json.name,
    dependsOn: [json.dependencies, json.devDependencies, json.peerDependencies].flatMap((deps) => Object.keys(deps ?? {})).filter((dep) => names.has(dep)),
  }));
}
