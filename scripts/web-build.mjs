// Builds the PWA (apps/web/dist) unless the build is already up to date; used by `pnpm start` and
// `pnpm start:cluster`.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// What the PWA is built from: its own sources, the packages it bundles and the lockfile. The hash
// of their contents is kept beside the build, so an unchanged PWA is not built again.
const webInputs = ["apps/web/src", "apps/web/public", "apps/web/index.html", "apps/web/vite.config.ts", "apps/web/package.json", "packages/schema/src", "packages/sync-core/src", "packages/sync-client/src", "pnpm-lock.yaml"];
const files = (path) => (!existsSync(path) ? [] : statSync(path).isDirectory() ? readdirSync(path).sort().flatMap((name) => files(join(path, name))) : [path]);
function webSourceHash() {
  const hash = createHash("sha256");
  for (const file of webInputs.flatMap(files)) hash.update(`${file}\0`).update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/** Builds the PWA when the web app is present and its sources changed since the last build; false when the build fails. Run from the repository root. */
export function buildWebIfStale() {
  if (!existsSync("apps/web/package.json")) return true;
  const stamp = "apps/web/dist/.source-hash";
  const hash = webSourceHash();
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash) {
    console.log("The PWA is up to date (apps/web/dist): not rebuilt.");
    return true;
  }
  if (spawnSync("pnpm", ["--filter", "@fieldsync/web", "build"], { stdio: "inherit" }).status !== 0) return false;
  writeFileSync(stamp, hash);
  return true;
}
