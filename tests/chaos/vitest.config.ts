import { defineConfig } from "vitest/config";

// The scenario files share one cluster (PostgreSQL, Redis, server and worker processes; see
// src/harness/cluster.ts), so they run one after another in a single process without module
// isolation. The machine has 2 cores and other suites run beside this one: generous timeouts.
export default defineConfig({
  test: {
    globals: false,
    globalSetup: ["./src/global-setup.ts"],
    include: ["src/**/*.test.ts"],
    pool: "forks",
    isolate: false,
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
