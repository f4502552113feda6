import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";

export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const screenshotDir = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));

/** Debian's Chromium as root in a sandbox-less container, quiet on the closed network. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface Device {
  context: BrowserContext;
  page: Page;
}

export interface DeviceOptions {
  /** Another browser's user agent (a phone's), where what the app derives from it matters. */
  userAgent?: string;
}

/** A fresh browser profile: its own IndexedDB, service worker and device id. Phone-sized. */
export async function openDevice(browser: Browser, baseURL: string, options: DeviceOptions = {}): Promise<Device> {
  const context = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, ...options });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[page error] ${error.message}`));
  return { context, page };
}

/** The whole page, or (`fullPage: false`) the viewport: a 10,000-row list is too tall to capture. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage });
}

/** Waits for state, never for time: these generous limits only bound a broken run. */
export const patience = { timeout: 90_000 };
