// The suite's temp dir and its reaper, owned by the main vitest process: whatever the scenario
// process leaves (PostgreSQL, redis-server, server and worker processes) is killed and removed at
// teardown, and by the reaper's watcher shell if vitest itself is killed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { Reaper } from "./harness/processes.ts";

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "fieldsync-chaos-"));
  const reaper = new Reaper(dir, join(dir, "data"));
  project.provide("chaosDir", dir);
  return () => reaper.cleanupSync();
}
