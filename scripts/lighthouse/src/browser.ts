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

/** Bounds a broken run only: on a busy shared 2-core machine the first sync of 10,000 assets took over 10 minutes. */
const patienceMs = 30 * 60_000;

/** What the asset list screen says about the first sync, read in the page. */
interface SyncView {
  listed: number;
  /** The list's count line, or its "Loading assets from the server… x of y records". */
  text: string;
  synced: boolean;
  serviceWorker: string;
}

const readView = async (): Promise<SyncView> => {
  const count = document.querySelector("[data-testid=list-count]")?.textContent ?? "";
  const text = count || (document.querySelector("main [aria-live]")?.textContent ?? "");
  return {
    listed: Number(count.match(/^([\d,]+) assets/)?.[1]?.replace(/,/g, "") ?? 0),
    text,
    // The top bar's pill reads "synced" once the outbox is empty and no sync runs.
    synced: document.querySelector(".top-status .pill-synced")?.textContent === "synced",
    serviceWorker: (await navigator.serviceWorker.getRegistration())?.active?.state ?? "none",
  };
};

/**
 * Logs `email` in at `baseUrl`, opens the asset list and waits until the first sync has listed
 * at least `assets` assets, the top bar says "synced" and the service worker is active (saying
 * how far it got every few seconds); then leaves the tab on about:blank, so no app tab syncs in
 * the background while Lighthouse measures.
 */
export async function logInAndSync(port: number, baseUrl: string, email: string, password: string, assets: number): Promise<void> {
  const browser = await puppeteer.connect({
    browserURL: `http://127.0.0.1:${port}`,
    defaultViewport: { width: 412, height: 823 },
    // The first sync can keep the page's main thread busy longer than puppeteer's default 3 minutes.
    protocolTimeout: patienceMs,
  });
  try {
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await page.locator("#login-email").fill(email);
    await page.locator("#login-password").fill(password);
    await page.locator("form button[type=submit]").click();
    // Home is Today; the asset list is a tab away (no reload, so the first sync goes on).
    await page.locator('nav a[href="#/assets"]').setTimeout(patienceMs).click();
    const until = Date.now() + patienceMs;
    let said = "";
    for (;;) {
      const view = await page.evaluate(readView);
      if (view.listed >= assets && view.synced && view.serviceWorker === "activated") break;
      const now = `${view.text} (${view.synced ? "synced" : "not synced"}, service worker ${view.serviceWorker})`;
      if (now !== said) console.log(`lighthouse: first sync: ${(said = now)}`);
      if (Date.now() > until) throw new Error(`the first sync did not finish in ${patienceMs / 60_000} minutes: ${now}`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await page.goto("about:blank");
  } finally {
    await browser.disconnect();
  }
}
