import { defineConfig } from "vitest/config";

// Files run one at a time: the delta fence is cluster-wide (pg_snapshot_xmin), so a transaction
// another file holds open on purpose would delay delivery in this one and make it flaky.
export default defineConfig({ test: { globals: false, testTimeout: 30_000, hookTimeout: 60_000, fileParallelism: false } });
