import { defineConfig } from "vitest/config";

// `pnpm test` runs both projects: fast unit tests of the app's pure logic, then the browser
// scenarios (which build the app first, see e2e/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", globals: false, include: ["src/**/*.test.ts"], environment: "node" } },
      {
        test: {
          name: "e2e",
          globals: false,
          include: ["e2e/**/*.test.ts"],
          globalSetup: ["e2e/global-setup.ts"],
          // One Chromium at a time on a 2-core machine; each file has its own server and database.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
