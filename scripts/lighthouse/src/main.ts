// `pnpm lighthouse`: Lighthouse mobile scores of the login page, the asset list with 10,000
// assets and the admins' health screen, on a fresh server and database started the way the e2e
// tests start theirs. A measurement, not a test: nothing is asserted; the machine's load is
// recorded with every figure. Options: --runs N (median run by performance score, default 1),
// --out PATH (default scripts/lighthouse/results.json).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { demoPassword } from "@fieldsync/api";
import { users } from "@fieldsync/testing/demo";
import { startTestServer } from "@fieldsync/testing/server";
import { repoRoot } from "@fieldsync/testing/workspace";
import { type PageRun, audit } from "./audit.ts";
import { chromiumPath, launchChromium, logInAndSync } from "./browser.ts";
import { type PageResult, type Results, load, machineNow, printTable, writeResults } from "./report.ts";
import { seedAssets } from "./seed.ts";
import { buildWeb } from "./web-build.ts";

const here = join(repoRoot, "scripts/lighthouse");
// pnpm passes on the "--" of `pnpm lighthouse -- --runs 3`.
const args = process.argv.slice(2).filter((arg) => arg !== "--");
const { values: options } = parseArgs({ args, options: { runs: { type: "string", default: "1" }, out: { type: "string" } } });
const runs = Number(options.runs);
// Relative to where `pnpm lighthouse` was typed, not to this package.
const out = options.out ? resolve(process.env["INIT_CWD"] ?? process.cwd(), options.out) : join(here, "results.json");
const seeded = 10_000;
const reports = join(here, "reports");

/** The median run by performance score (the category that varies with the machine's load). */
async function measure(port: number, page: string, url: string, keepStorage: boolean): Promise<PageResult> {
  const all: PageRun[] = [];
  for (let run = 1; run <= runs; run++) {
    console.log(`lighthouse: ${page} (${url}), run ${run} of ${runs}, load ${load().join(", ")}`);
    const result = await audit(port, url, keepStorage, join(reports, `${page}-${run}.json`));
    console.log(`lighthouse: ${page}: ${JSON.stringify(result.scores)} ${JSON.stringify(result.metrics)}`);
    all.push(result);
  }
  const median = [...all].sort((a, b) => a.scores.performance - b.scores.performance)[Math.floor(all.length / 2)]!;
  return { page, url, ...median, ...(runs > 1 ? { performanceRuns: all.map((run) => run.scores.performance) } : {}) };
}

const loadBefore = load();
// The tree that is built (a "-dirty" suffix: with uncommitted changes).
const commit = execFileSync("git", ["describe", "--always", "--dirty"], { cwd: repoRoot, encoding: "utf8" }).trim();
mkdirSync(reports, { recursive: true });
console.log("lighthouse: building the PWA");
const webDist = await buildWeb();
const server = await startTestServer({ webDist });
const chrome = await launchChromium();
const cleanUp = async () => {
  chrome.kill();
  await server.stop();
  rmSync(webDist, { recursive: true, force: true });
};
// Ctrl-C stops the server (and drops its database) and Chromium too.
process.once("SIGINT", () => void cleanUp().finally(() => process.exit(130)));
try {
  console.log(`lighthouse: server at ${server.url}; seeding ${seeded.toLocaleString("en-US")} assets`);
  await seedAssets(server, seeded);
  const pages: PageResult[] = [];
  // The login page as a first visit: empty profile, nothing cached.
  pages.push(await measure(chrome.port, "login", `${server.url}/`, false));
  console.log("lighthouse: logging in as the admin and waiting for the first sync");
  await logInAndSync(chrome.port, server.url, users.admin, demoPassword, seeded);
  pages.push(await measure(chrome.port, "assets (10,000)", `${server.url}/#/assets`, true));
  pages.push(await measure(chrome.port, "health", `${server.url}/#/health`, true));
  const results: Results = {
    measuredAt: new Date().toISOString(),
    commit,
    machine: { cpus: machineNow(), loadBefore, loadAfter: load() },
    lighthouse: createRequire(import.meta.url)("lighthouse/package.json").version,
    chromium: execFileSync(chromiumPath, ["--version"], { encoding: "utf8" }).trim(),
    settings: "mobile (Lighthouse defaults: emulated Moto G Power, simulated slow 4G, 4× CPU slowdown); login page with storage reset, the others with the logged-in profile's storage",
    pages,
  };
  printTable(results);
  writeResults(out, results);
  console.log(`lighthouse: results in ${out}, full reports in ${reports}`);
} finally {
  await cleanUp();
}
