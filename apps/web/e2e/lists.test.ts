import { randomUUID } from "node:crypto";
import { create } from "@fieldsync/testing/changes";
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { demoPassword } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

const meters = 10_000;
const sites = 25;
const siteOf = (n: number) => `Site ${n % sites}`;
// Every 7th meter is under maintenance, every 11th (not 7th) retired.
const statusOf = (n: number) => (n % 7 === 0 ? "MAINTENANCE" : n % 11 === 0 ? "RETIRED" : "OPERATIONAL");

/** Meter 1 … Meter 10000 pushed by another device in batches of 500, versioned like any write. */
async function pushMeters(): Promise<void> {
  const deviceId = `lists-seeder-${randomUUID()}`;
  for (let first = 1; first <= meters; first += 500) {
    const changes = Array.from({ length: 500 }, (_, i) => first + i).map((n) =>
      create(randomUUID(), { name: `Meter ${n}`, serialNumber: `MT-${n}`, location: siteOf(n), status: statusOf(n) }),
    );
    const response = await app.server.push("tech2", deviceId, changes);
    expect(response.results.every((result) => result.status === "applied")).toBe(true);
  }
}

const assetList = (page: Page) => page.getByRole("list", { name: "Assets" });

/** The rendered entries of the asset list, in list order: a row's name, or "# heading". */
const renderedEntries = (page: Page) =>
  assetList(page)
    .locator(":scope > li")
    .evaluateAll((items) =>
      items
        .sort((a, b) => Number(a.getAttribute("aria-posinset")) - Number(b.getAttribute("aria-posinset")))
        .map((item) => (item.querySelector("h2") ? `# ${item.querySelector("h2")?.firstChild?.textContent?.trim()}` : (item.querySelector("strong")?.textContent ?? ""))),
    );

/** The rendered entries and the index of the first in the whole list (virtualized: a window of it). */
const renderedSlice = async (page: Page) => {
  const start = await assetList(page).locator(":scope > li").evaluateAll((items) => Math.min(...items.map((item) => Number(item.getAttribute("aria-posinset")))) - 1);
  return { start, entries: await renderedEntries(page) };
};

/** The rendered window of the list, and what it should be when the whole list is `all`. */
async function windowOf(page: Page, all: string[]) {
  const { start, entries } = await renderedSlice(page);
  return { rendered: entries, expected: all.slice(start, start + entries.length) };
}

/** A rendered row's position in the whole list (aria-posinset), found by its exact name. */
const positionOf = (page: Page, name: string) =>
  assetList(page)
    .locator(":scope > li", { has: page.getByText(name, { exact: true }) })
    .getAttribute("aria-posinset")
    .then(Number);

const domCounts = (page: Page) =>
  page.evaluate(() => ({
    rows: document.querySelectorAll('ul[aria-label="Assets"] > li').length,
    listNodes: document.querySelectorAll('ul[aria-label="Assets"] *').length,
    pageNodes: document.querySelectorAll("*").length,
  }));

type Timing = { latencies: number[] };

/**
 * Types `text` into the search box key by key; per keystroke, the time from the key's input event
 * until the frame after it was painted (React renders the filtered list within the event's task,
 * so that frame shows the result). The next key is pressed once the previous one was measured.
 */
async function timedSearch(page: Page, text: string): Promise<number[]> {
  const search = page.getByRole("searchbox", { name: "Search assets" });
  await search.fill("");
  await page.evaluate(() => {
    const state: Timing = { latencies: [] };
    (window as unknown as { searchTiming: Timing }).searchTiming = state;
    document.querySelector('input[type="search"]')!.addEventListener("input", (event) =>
      requestAnimationFrame(() => {
        const afterPaint = new MessageChannel();
        afterPaint.port1.onmessage = () => state.latencies.push(performance.now() - event.timeStamp);
        afterPaint.port2.postMessage(null);
      }),
    );
  });
  for (const [index, key] of [...text].entries()) {
    await search.press(key === " " ? "Space" : key);
    await page.waitForFunction((count) => (window as unknown as { searchTiming: Timing }).searchTiming.latencies.length > count, index, patience);
  }
  return page.evaluate(() => (window as unknown as { searchTiming: Timing }).searchTiming.latencies);
}

test("10,000 assets: synced, virtualized, natural order, filtered, grouped and searched", { timeout: 900_000 }, async () => {
  const seeding = performance.now();
  await pushMeters();
  const seededMs = performance.now() - seeding;
  const assets = (await serverEntities(app.server.url, "tech1@northwind.test")).filter((entity) => entity.entityType === "asset");
  const total = assets.length;
  expect(total).toBeGreaterThanOrEqual(meters);

  const { context, page } = await app.device();
  const syncing = performance.now();
  await page.goto("/");
  await page.getByLabel("Email").fill("tech1@northwind.test");
  await page.getByLabel("Password").fill(demoPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  // Home is Today; the asset list is a tab away (no reload, so the first sync goes on).
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Assets" }).click();
  // The whole snapshot is in when the list shows every asset (a shared 2-core machine can take minutes).
  await page.getByTestId("list-count").filter({ hasText: `${total.toLocaleString("en-US")} assets` }).waitFor({ timeout: 600_000 });
  const initialSyncMs = performance.now() - syncing;

  // Natural order: Meter 2 before Meter 10; only a screenful of rows (plus overscan) in the DOM.
  const names = [...assets.map((asset) => String(asset.payload["name"]))].sort(new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare);
  const top = await renderedEntries(page);
  expect(top).toEqual(names.slice(0, top.length));
  const atTop = await domCounts(page);
  expect(atTop.rows).toBeLessThanOrEqual(40);
  await screenshot(page, "20-assets-10k", { fullPage: false });
  // A screenful further down: Meter 10 comes rendered, after Meter 9 and long after Meter 2.
  await page.evaluate(() => window.scrollBy(0, window.innerHeight));
  await assetList(page).getByText("Meter 10", { exact: true }).waitFor(patience);
  const [two, nine, ten] = await Promise.all(["Meter 2", "Meter 9", "Meter 10"].map((name) => positionOf(page, name)));
  expect([two, nine, ten]).toEqual([names.indexOf("Meter 2") + 1, names.indexOf("Meter 9") + 1, names.indexOf("Meter 9") + 2]);

  // Scrolled to the end: the last names, and still a bounded DOM.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await assetList(page).getByText(names.at(-1)!, { exact: true }).waitFor(patience);
  const atEnd = await domCounts(page);
  expect(atEnd.rows).toBeLessThanOrEqual(40);
  expect((await renderedEntries(page)).at(-1)).toBe(names.at(-1));
  await page.evaluate(() => window.scrollTo(0, 0));

  // Search finds a row near the end; each keystroke is timed until its result is on screen.
  const latencies = await timedSearch(page, "meter 9999");
  await expect.poll(() => renderedEntries(page), patience).toEqual(["Meter 9999"]);

  // Filter by status and site: exactly the meters generated that way.
  await page.getByRole("searchbox", { name: "Search assets" }).fill("");
  await page.getByLabel("Status", { exact: true }).selectOption({ label: "Retired" });
  await page.getByLabel("Location", { exact: true }).selectOption("Site 7");
  const expected = Array.from({ length: meters }, (_, i) => i + 1).filter((n) => statusOf(n) === "RETIRED" && siteOf(n) === "Site 7");
  await page.getByTestId("list-count").filter({ hasText: `${expected.length} of ${total.toLocaleString("en-US")} assets` }).waitFor(patience);
  const filtered = await renderedEntries(page);
  expect(filtered).toEqual(expected.slice(0, filtered.length).map((n) => `Meter ${n}`));
  await screenshot(page, "21-assets-filtered", { fullPage: false });

  // Grouped by site, sites in natural order (Site 2 before Site 10), each meter under its own site.
  await page.getByLabel("Status", { exact: true }).selectOption({ label: "Any" });
  await page.getByLabel("Location", { exact: true }).selectOption({ label: "Any" });
  await page.getByRole("searchbox", { name: "Search assets" }).fill("meter 999");
  await page.getByLabel("Group by location").check();
  const found = Array.from({ length: meters }, (_, i) => i + 1).filter((n) => String(n).includes("999"));
  const groups = [...new Set(found.map(siteOf))].sort(new Intl.Collator("en", { numeric: true }).compare);
  const grouped = groups.flatMap((site) => [`# ${site}`, ...found.filter((n) => siteOf(n) === site).map((n) => `Meter ${n}`)]);
  await expect.poll(async () => (await renderedSlice(page)).entries[0], patience).toBe(grouped[0]);
  const groupedTop = await windowOf(page, grouped);
  expect(groupedTop.rendered).toEqual(groupedTop.expected);
  await screenshot(page, "22-assets-grouped", { fullPage: false });
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect.poll(async () => (await renderedSlice(page)).entries.at(-1), patience).toBe(grouped.at(-1));
  const groupedEnd = await windowOf(page, grouped);
  expect(groupedEnd.rendered).toEqual(groupedEnd.expected);
  await page.evaluate(() => window.scrollTo(0, 0));

  // Back from an asset, the list is as it was left.
  await assetList(page).getByRole("link", { name: /Meter 9995/ }).click();
  await page.getByRole("heading", { name: "Meter 9995", exact: true }).waitFor(patience);
  await page.goBack();
  await expect.poll(async () => (await renderedSlice(page)).entries[0], patience).toBe(grouped[0]);
  const back = await windowOf(page, grouped);
  expect(back.rendered).toEqual(back.expected);

  console.log(
    [
      `lists: ${meters} assets pushed in ${(seededMs / 1000).toFixed(1)} s; initial sync of ${total} assets to the list: ${(initialSyncMs / 1000).toFixed(1)} s`,
      `DOM at the top: ${atTop.rows} rows, ${atTop.listNodes} nodes in the list, ${atTop.pageNodes} in the page; at the end: ${atEnd.rows} rows, ${atEnd.listNodes} nodes`,
      `search keystroke → result on screen (ms): ${latencies.map((ms) => ms.toFixed(0)).join(", ")}`,
    ].join("\n"),
  );
  await context.close();
});
