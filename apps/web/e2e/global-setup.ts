// Builds the PWA once for all browser scenarios, into directories of their own so a developer's
// dist/ (maybe served by a running server) is left alone. A second build with another release id
// is the "new version" of the update-prompt scenario. (Builds happen here, not in test files:
// the server's Prisma client defines a global __dirname that confuses vite-plugin-pwa.)
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import type { TestProject } from "vitest/node";
import { chromiumPath } from "./support/browser.ts";

declare module "vitest" {
  export interface ProvidedContext {
    webDist: string;
    nextReleaseDist: string;
  }
}

export const nextReleaseId = "next-release";

const root = fileURLToPath(new URL("..", import.meta.url));

async function buildInto(dir: string, define?: Record<string, string>): Promise<string> {
  const outDir = fileURLToPath(new URL(`../test-results/${dir}`, import.meta.url));
  await build({ root, configFile: `${root}/vite.config.ts`, logLevel: "warn", ...(define ? { define } : {}), build: { outDir, emptyOutDir: true } });
  return outDir;
}

export default async function setup(project: TestProject) {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  project.provide("webDist", await buildInto("web-dist"));
  project.provide("nextReleaseDist", await buildInto("web-dist-next", { __APP_BUILD__: JSON.stringify(nextReleaseId) }));
}
