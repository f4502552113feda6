import type { ServerChange } from "@fieldsync/schema";
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { login, openAsset, syncNow, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { holdLocalStores } from "./support/busy-device.ts";
import { assetsNamed, serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("tasks and schedules of an asset: add, update, and every main screen captured", async () => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");

  await openAsset(page, "Boiler B-1");
  const tasks = page.getByRole("list", { name: "Tasks" });
  await tasks.getByText("Annual boiler inspection").waitFor(patience);
  await page.getByRole("button", { name: "+ Add task" }).click();
  await page.getByLabel("Title *").fill("Bleed radiators");
  await page.getByLabel("Priority").selectOption("URGENT");
  await page.getByRole("button", { name: "Add task" }).click();
  await tasks.getByText("Bleed radiators").waitFor(patience);
  await page.getByLabel("Status of Annual boiler inspection").selectOption("DONE");
  // Saved: the task is shown as done (struck through).
  await tasks.locator("strong.done", { hasText: "Annual boiler inspection" }).waitFor(patience);
  await waitUntilSynced(page);
  await screenshot(page, "08-asset-detail-tasks");

  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Notes").fill("Pressure drops overnight");
  await screenshot(page, "09-asset-edit");
  await page.getByRole("button", { name: "Save" }).click();
  // The saved record on the asset's screen; the form's own textarea holds the same text.
  await page.locator(".details dd", { hasText: "Pressure drops overnight" }).waitFor(patience);

  await page.goto("/#/schedules");
  const generatorRow = page.getByRole("list", { name: "Schedules" }).getByRole("listitem").filter({ hasText: "Generator test run" });
  const due = generatorRow.locator(".row-main > span");
  const dueBefore = await due.textContent();
  await generatorRow.getByRole("button", { name: "Done today" }).click();
  // Saved: the row shows the next due date counted from today.
  await expect.poll(() => due.textContent(), patience).not.toBe(dueBefore);
  await waitUntilSynced(page);
  await screenshot(page, "10-schedules");

  const entities = await serverEntities(app.server.url, "tech1@northwind.test");
  const byTitle = (title: string) => entities.find((entity) => entity.payload["title"] === title);
  expect(byTitle("Bleed radiators")?.payload).toMatchObject({ priority: "URGENT", status: "OPEN" });
  expect(byTitle("Annual boiler inspection")?.payload).toMatchObject({ status: "DONE" });
  const nextDue = Date.parse(String(byTitle("Generator test run")?.payload["nextDueAt"]));
  expect(nextDue).toBeGreaterThan(Date.now() + 28 * 86_400_000);

  await page.goto("/#/sync");
  await page.getByText("Storage used:").waitFor(patience);
  await screenshot(page, "11-sync-panel");
  await page.goto("/#/conflicts");
  await page.getByText("No open conflicts.").waitFor(patience);
  await screenshot(page, "12-conflicts-empty");
  await context.close();
});

test("any entity type has generic screens labelled from the registry: list, detail, editor", async () => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");
  await page.goto("/#/records/task");
  await page.getByRole("list", { name: "Tasks" }).getByRole("link", { name: /Replace chiller filter/ }).click();
  await page.getByRole("heading", { name: "Replace chiller filter", exact: true }).waitFor(patience);
  // Field names, enum values and references in words: "Status: In progress", the asset by its name.
  await page.locator(".details > div", { hasText: "Status" }).locator("dd", { hasText: "In progress" }).waitFor(patience);
  await page.locator(".details > div", { hasText: "Asset" }).getByRole("link", { name: "Chiller C-2" }).waitFor(patience);

  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Title *").fill("Replace chiller filters");
  await page.getByLabel("Status", { exact: true }).selectOption({ label: "Done" });
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("heading", { name: "Replace chiller filters", exact: true }).waitFor(patience);
  await waitUntilSynced(page);
  const entities = await serverEntities(app.server.url, "tech1@northwind.test");
  expect(entities.find((entity) => entity.payload["title"] === "Replace chiller filters")?.payload).toMatchObject({ status: "DONE" });
  await context.close();
});

// Local saves that move the user on when they land: each is held back (the device's store busy)
// while the technician goes elsewhere, then lands and syncs.
const lateSaves = [
  {
    action: "Save of the asset editor",
    asset: "Chiller C-2",
    prepare: async (page: Page) => {
      await page.getByRole("link", { name: "Edit" }).click();
      await page.getByLabel("Notes").fill("Fan bearing noisy");
    },
    submit: "Save",
    landed: (asset: ServerChange | undefined) => asset?.payload["notes"] === "Fan bearing noisy",
  },
  {
    action: "Delete of the asset screen",
    asset: "Pump P-3",
    prepare: (page: Page) => page.getByRole("button", { name: "Delete…" }).click(),
    submit: "Delete asset",
    landed: (asset: ServerChange | undefined) => asset === undefined,
  },
];

test.each(lateSaves)("a late $action leaves the technician on the screen they went to meanwhile", async ({ asset, prepare, submit, landed }) => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");
  await openAsset(page, asset);
  await prepare(page);

  const busy = await holdLocalStores(context);
  await page.getByRole("button", { name: submit }).click();
  await page.goto("/#/schedules");
  await page.getByRole("heading", { name: "Schedules" }).waitFor(patience);
  await busy.release();

  // The save lands and syncs (the screen's work is over by then); the technician stays put.
  const onServer = async () => landed(assetsNamed(await serverEntities(app.server.url, "tech1@northwind.test"), asset)[0]);
  await expect.poll(onServer, { ...patience, interval: 500 }).toBe(true);
  expect(await page.evaluate(() => location.hash)).toBe("#/schedules");
  await page.getByRole("list", { name: "Schedules" }).getByText("Generator test run").waitFor(patience);
  await context.close();
});

test("a technician revokes a lost device from the devices screen; that device's session ends", async () => {
  const phone = await app.device();
  const tablet = await app.device();
  await login(phone.page, "tech2@northwind.test");
  await login(tablet.page, "tech2@northwind.test");

  await phone.page.goto("/#/devices");
  const list = phone.page.getByRole("list", { name: "Devices" });
  await list.getByText("(this device)").waitFor(patience);
  expect(await list.getByRole("listitem").count()).toBe(2);
  await screenshot(phone.page, "13-devices");
  const other = list.getByRole("listitem").filter({ hasNotText: "(this device)" });
  await other.getByRole("button", { name: "Revoke" }).click();
  await other.getByText("revoked", { exact: true }).waitFor(patience);

  await syncNow(phone.page);
  await tablet.page.goto("/#/sync");
  await tablet.page.getByRole("button", { name: "Sync now" }).click();
  // Its access and refresh tokens are refused: the tablet is back at the login screen.
  await tablet.page.getByRole("button", { name: "Log in" }).waitFor(patience);
  await screenshot(tablet.page, "14-device-revoked");
  await phone.context.close();
  await tablet.context.close();
});

test("the app is installable: manifest, icons and a controlling service worker", async () => {
  const manifestResponse = await fetch(`${app.server.url}/manifest.webmanifest`);
  expect(manifestResponse.headers.get("content-type")).toContain("manifest+json");
  const manifest = (await manifestResponse.json()) as { name: string; display: string; start_url: string; icons: { src: string; sizes: string; purpose?: string }[] };
  expect(manifest).toMatchObject({ name: "Fieldsync Asset Manager", display: "standalone", start_url: "/" });
  expect(manifest.icons.map((icon) => `${icon.sizes}${icon.purpose ? ` ${icon.purpose}` : ""}`)).toEqual(["192x192", "512x512", "512x512 maskable"]);
  for (const icon of manifest.icons) {
    const response = await fetch(`${app.server.url}${icon.src}`);
    expect(response.headers.get("content-type")).toBe("image/png");
    const bytes = new Uint8Array(await response.arrayBuffer());
    const size = Number(icon.sizes.split("x")[0]);
    // PNG signature, then IHDR width and height.
    expect([...bytes.slice(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
    expect(new DataView(bytes.buffer).getUint32(16)).toBe(size);
    expect(new DataView(bytes.buffer).getUint32(20)).toBe(size);
  }

  const { context, page } = await app.device();
  await page.goto("/");
  expect(await page.locator('link[rel="manifest"]').getAttribute("href")).toBe("/manifest.webmanifest");
  await page.waitForFunction(() => navigator.serviceWorker.controller?.scriptURL.endsWith("/sw.js") === true, undefined, patience);
  await context.close();
});
