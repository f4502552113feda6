import { defineConfig } from "vitest/config";

// Tests run against a real server with a fresh database per file (startTestServer).
export default defineConfig({ test: { globals: false, testTimeout: 30_000, hookTimeout: 120_000 } });
