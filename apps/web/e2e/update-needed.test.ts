import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyRepo } from "@fieldsync/testing/repo-copy";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { nextReleaseId } from "./global-setup.ts";
import { demoPassword } from "./support/app.ts";
import { launchBrowser, openDevice, patience, screenshot } from "./support/browser.ts";

// A server that no longer takes this build's schema version: a copy of the repository one
// version on, with the oldest supported version raised to it (a release without payload changes,
// so no upgrade step and no migration). The push is refused SCHEMA_VERSION_TOO_OLD; the app says
// "update needed" and reloads into the next release by itself, without the update prompt's
// click. The release after it is published mid-test, as in update-prompt.test.ts.
const served = fileURLToPath(new URL("../test-results/web-dist-update-needed", import.meta.url));
const publish = (from: string) => cpSync(from, served, { recursive: true });
const copy = copyRepo();

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  const versions = join(copy.dir, "packages/schema/src/schema-version.ts");
  const raised = readFileSync(versions, "utf8")
    .replace("export const schemaVersion = 1;", "export const schemaVersion = 2;")
    .replace("export const oldestSupportedSchemaVersion = 1;", "export const oldestSupportedSchemaVersion = 2;");
  expect(raised.match(/= 2;/g)).toHaveLength(2);
  writeFileSync(versions, raised);
  rmSync(served, { recursive: true, force: true });
  publish(inject("webDist"));
  cpSync(`${inject("nextReleaseDist")}/assets`, `${served}/assets`, { recursive: true });
  server = await startTestServer({ webDist: served, root: copy.dir });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  copy.remove();
});

test("refused as too old, the app shows 'update needed' and reloads into the new release by itself", async () => {
  const { context, page } = await openDevice(browser, server.url);
  await page.goto("/");
  await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === "activated", undefined, { ...patience, polling: 100 });
  publish(inject("nextReleaseDist"));

  await page.getByLabel("Email").fill("tech1@northwind.test");
  await page.getByLabel("Password").fill(demoPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator(".top-status", { hasText: "update needed" }).waitFor(patience);
  await page.goto("/#/sync");
  await expect.poll(() => page.getByTestId("app-build").textContent(), patience).toBe(`App build: ${nextReleaseId}`);
  // The next release speaks the same version here, so it is refused too: it says so and waits.
  await page.getByText("Update needed: the app is updating itself").waitFor(patience);
  expect(await page.getByText("A new version of Fieldsync is ready.").count()).toBe(0);
  await screenshot(page, "16-update-needed");
  await context.close();
});
