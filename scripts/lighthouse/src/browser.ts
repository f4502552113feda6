// One Debian Chromium for the whole run, launched with a debugging port Lighthouse connects to.
// The logged-in pages are measured in the same profile that puppeteer logged in and synced, so
// the replica (IndexedDB), the session and the service worker are there when Lighthouse loads
// the page (with its storage reset disabled).
import { type LaunchedChrome, launch } from "chrome-launcher";
import puppeteer from "puppeteer-core";

export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const flags = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export const launchChromium = (): Promise<LaunchedChrome> => launch({ chromePath: chromiumPath, chromeFlags: flags });

/** Bounds a broken run only: a shared 2-core machine can take minutes for the first sync of 10,000 assets. */
const patience = { timeout: 600_000, polling: 250 };

/**
 * Logs `email` in at `baseUrl`, opens the asset list and waits until the first sync has brought
 * at least `assets` assets, the top bar says "synced" and the service worker is active; then
 * leaves the tab on about:blank, so no app tab syncs in the background while Lighthouse measures.
 */
export async function logInAndSync(port: number, baseUrl: string, email: string, password: string, assets: number): Promise<void> {
  const browser = await puppeteer.connect({
    browserURL: `http://127.0.0.1:${port}`, defaultViewport: { width: 412, height: 823 },
    // The first sync can keep the page's main thread busy longer than puppeteer's default 3 minutes.
    protocolTimeout: patience.timeout,
  });
  try {
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await page.locator("#login-email").fill(email);
    await page.locator("#login-password").fill(password);
    await page.locator("form button[type=submit]").click();
    // Home is Today; the asset list is a tab away (no reload, so the first sync goes on).
    await page.locator('nav a[href="#/assets"]').setTimeout(patience.timeout).click();
    const listed = (min: number) => Number(document.querySelector("[data-testid=list-count]")?.textContent?.match(/^([\d,]+) assets/)?.[1]?.replace(/,/g, "") ?? 0) >= min;
    await page.waitForFunction(listed, patience, assets);
    await page.waitForFunction(() => /\bsynced\b/.test(document.querySelector(".top-status")?.textContent ?? ""), patience);
    await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === "activated", patience);
    await page.goto("about:blank");
  } finally {
    await browser.disconnect();
  }
}

