import { defineConfig } from "vitest/config";

// Worker tests start workers, Redis servers and processes: one file at a time.
export default defineConfig({ test: { globals: false, testTimeout: 90_000, hookTimeout: 60_000, fileParallelism: false } });
