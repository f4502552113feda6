// Test support: a throwaway copy of the parts of the repository a server needs, and the server
// started from it as a real process. node_modules are not copied: every entry is linked to its
// installed target, except workspace packages, which point into the copy (pnpm links them
// relatively, so linking whole folders would resolve them back to the original sources).
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type ChildService, startChild } from "./child-process.ts";
import { repoRoot } from "./workspace.ts";

/**
 * Every workspace package (the `packages:` globs of pnpm-workspace.yaml, `dir/*` or `dir`), so
 * the copy can typecheck all of them, not only what a server runs.
 */
const workspacePackages = readFileSync(join(repoRoot, "pnpm-workspace.yaml"), "utf8")
  .split(/\n(?=\S)/)
  .find((section) => section.startsWith("packages:"))!
  .split("\n")
  .flatMap((line) => /^\s+-\s+["']?([^"'\s]+)/.exec(line)?.[1] ?? [])
  .flatMap((glob) => (glob.endsWith("/*") ? readdirSync(join(repoRoot, glob.slice(0, -2))).map((name) => `${glob.slice(0, -2)}/${name}`) : [glob]))
  .filter((dir) => existsSync(join(repoRoot, dir, "package.json")));

const copied = ["package.json", "pnpm-workspace.yaml", "prisma.config.ts", "tsconfig.base.json", "prisma", "scripts", "docs", ...workspacePackages];
const skipped = new Set(["node_modules", "test-results", "dist", ".turbo", ".data"]);

function linkModules(from: string, to: string, copyRoot: string) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (entry.startsWith("@") && lstatSync(source).isDirectory() && !lstatSync(source).isSymbolicLink()) {
      linkModules(source, join(to, entry), copyRoot);
      continue;
    }
    const target = realpathSync(source);
    const inside = relative(repoRoot, target);
    const isWorkspacePackage = !inside.startsWith("..") && !inside.split("/").includes("node_modules");
    symlinkSync(isWorkspacePackage ? join(copyRoot, inside) : target, join(to, entry));
  }
}

export function copyRepo(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "fieldsync-copy-"));
  for (const path of copied) {
    cpSync(join(repoRoot, path), join(dir, path), { recursive: true, filter: (src) => !skipped.has(src.split("/").pop()!) });
  }
  for (const path of ["", ...workspacePackages]) {
    linkModules(join(repoRoot, path, "node_modules"), join(dir, path, "node_modules"), dir);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunningServer {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Resolves once GET /healthz answers 200 (the database is reachable), polling; throws when the server exits or `timeoutMs` passes. */
async function healthy(url: string, child: ChildService, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${url}/healthz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (!child.running() || Date.now() > until) throw new Error(`server not healthy (${url}/healthz):\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs `args` (node arguments) in `cwd` as a process group of its own (startChild: pnpm does not
 * pass SIGTERM on to the server it runs) and resolves once the server has printed its address and
 * answers /healthz; rejects with the output when the process exits first or `timeoutMs` passes.
 */
export async function startServerProcess(cwd: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 90_000): Promise<RunningServer> {
  const child = await startChild({ cwd, args, env, ready: /running at (http:\/\/\S+)/, timeoutMs });
  const url = child.match.replace("localhost", "127.0.0.1");
  try {
    await healthy(url, child, timeoutMs);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, output: child.output, stop: child.stop };
}
