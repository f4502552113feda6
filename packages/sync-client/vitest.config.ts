import { defineConfig } from "vitest/config";

// Tests run against a real server with a fresh database per file (startTestServer). Files run one
// at a time: the server releases a change to other devices only after every older transaction in
// the PostgreSQL cluster has ended, so parallel files (cloning databases) would slow each other's
// convergence down for no gain on two cores.
export default defineConfig({
  test: { globals: false, fileParallelism: false, testTimeout: 60_000, hookTimeout: 120_000 },
});
