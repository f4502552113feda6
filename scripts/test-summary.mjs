// Adds up the vitest JSON reports of every package (written by .ci/run's `pnpm test`) into the
// one line CI reads: "N passed, N failed". Exits 1 when anything failed or no test ran.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const reports = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name === "vitest-results.json") reports.push(path);
  }
};
walk(".");

let passed = 0;
let failed = 0;
for (const path of reports.sort()) {
  const report = JSON.parse(readFileSync(path, "utf8"));
  const suiteFailures = report.testResults.filter((file) => file.status === "failed" && file.assertionResults.length === 0).length;
  passed += report.numPassedTests;
  failed += report.numFailedTests + suiteFailures;
  console.log(`${path}: ${report.numPassedTests} passed, ${report.numFailedTests + suiteFailures} failed`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
