import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";
import { type DeviceOptions, launchBrowser, openDevice } from "./browser.ts";

/**
 * The set-up every browser scenario shares: a real server with a fresh seeded database serving
 * the built PWA, and one Chromium; both stopped after the file. `device()` opens a new device
 * (a browser context of its own: separate storage and service worker).
 */
export function appUnderTest() {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer({ webDist: inject("webDist") });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get server() {
      return server;
    },
    device: (options?: DeviceOptions) => openDevice(browser, server.url, options),
  };
}
