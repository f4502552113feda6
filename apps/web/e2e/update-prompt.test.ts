import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { nextReleaseId } from "./global-setup.ts";
import { login } from "./support/app.ts";
import { launchBrowser, openDevice, patience, screenshot } from "./support/browser.ts";

// A deployment of its own: the next release is published into the served directory mid-test.
// Its hashed assets are there from the start, as on a host that keeps old and new assets side
// by side during a deploy (the static server also only serves files it saw when it started).
const served = fileURLToPath(new URL("../test-results/web-dist-update", import.meta.url));
const publish = (from: string) => cpSync(from, served, { recursive: true });

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  rmSync(served, { recursive: true, force: true });
  publish(inject("webDist"));
  cpSync(`${inject("nextReleaseDist")}/assets`, `${served}/assets`, { recursive: true });
  server = await startTestServer({ webDist: served });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test("a new release waits until the technician accepts the update prompt", async () => {
  const { context, page } = await openDevice(browser, server.url);
  await login(page, "tech1@northwind.test");
  await page.goto("/#/sync");
  const running = await page.getByTestId("app-build").textContent();
  expect(running).toMatch(/^App build: \d{4}-/);

  publish(inject("nextReleaseDist"));
  await page.evaluate(async () => {
    await (await navigator.serviceWorker.getRegistration())?.update();
  });
  await page.getByText("A new version of Fieldsync is ready.").waitFor(patience);
  // Until the technician accepts, the running release stays in charge.
  expect(await page.getByTestId("app-build").textContent()).toBe(running);
  await screenshot(page, "15-update-prompt");

  await page.getByRole("button", { name: "Reload" }).click();
  await expect.poll(() => page.getByTestId("app-build").textContent(), patience).toBe(`App build: ${nextReleaseId}`);
  await context.close();
});
