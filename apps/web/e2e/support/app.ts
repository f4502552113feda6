import { expect } from "vitest";
import type { Page } from "playwright-core";
import { type Device, patience } from "./browser.ts";

export const demoPassword = "fieldsync-demo";

/** Logs in and waits for the first sync to finish and for the service worker to be active. */
export async function login(page: Page, email: string): Promise<void> {
  await page.goto("/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(demoPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  // The home screen's "Synced …" line shows that the first sync finished and its data is listed.
  await page.getByTestId("freshness").filter({ hasText: /^Synced / }).waitFor(patience);
  await waitUntilSynced(page);
  await waitForServiceWorker(page);
}

/**
 * Waits until the service worker is activated (precached: the app works offline from the next
 * navigation on). Not for it to control this page: a navigation that started while the worker was
 * still installing stays uncontrolled, and clients.claim() does not always reach it (seen in CI:
 * registration "activated", page never controlled). If it never activates, says how far it got.
 */
async function waitForServiceWorker(page: Page): Promise<void> {
  try {
    await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === "activated", undefined, { ...patience, polling: 100 });
  } catch (error) {
    const registration = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return r ? { installing: r.installing?.state, waiting: r.waiting?.state, active: r.active?.state } : "none";
    });
    throw new Error(`the service worker never activated (registration: ${JSON.stringify(registration)})`, { cause: error });
  }
}

/**
 * The top bar says "synced" once the outbox is empty and no cycle runs. Only meaningful once the
 * edit waited for is visible as saved (before that, "synced" may describe the state before it).
 */
export async function waitUntilSynced(page: Page): Promise<void> {
  await page.locator(".top-status", { hasText: "synced" }).waitFor(patience);
}

export async function openAsset(page: Page, name: string): Promise<void> {
  await page.goto("/#/assets");
  await page.getByRole("link", { name: new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) }).first().click();
  await page.getByRole("heading", { name, exact: true }).waitFor(patience);
}

export async function createAsset(page: Page, fields: { name: string; location?: string }): Promise<void> {
  await page.goto("/#/assets");
  await page.getByRole("link", { name: "New asset" }).click();
  await page.getByLabel("Name *").fill(fields.name);
  if (fields.location) await page.getByLabel("Location").fill(fields.location);
  await page.getByRole("button", { name: "Create asset" }).click();
  await page.getByRole("heading", { name: fields.name, exact: true }).waitFor(patience);
}

/** `status` by its label, as the form offers it ("In maintenance"). */
type AssetEdit = { name?: string; location?: string; serialNumber?: string; status?: string };

export async function editAsset(page: Page, name: string, fields: AssetEdit): Promise<void> {
  await openAsset(page, name);
  await page.getByRole("link", { name: "Edit" }).click();
  if (fields.name !== undefined) await page.getByLabel("Name *").fill(fields.name);
  if (fields.location !== undefined) await page.getByLabel("Location").fill(fields.location);
  if (fields.serialNumber !== undefined) await page.getByLabel("Serial number").fill(fields.serialNumber);
  if (fields.status !== undefined) await page.getByLabel("Status", { exact: true }).selectOption({ label: fields.status });
  await page.getByRole("button", { name: "Save" }).click();
  // The saved record, shown on the asset's own screen (not the values typed into the form).
  await page.getByRole("heading", { name: fields.name ?? name, exact: true }).waitFor(patience);
  if (fields.location !== undefined) await page.locator(".details dd", { hasText: fields.location }).waitFor(patience);
}

export async function deleteAsset(page: Page, name: string): Promise<void> {
  await openAsset(page, name);
  await page.getByRole("button", { name: "Delete…" }).click();
  await page.getByRole("button", { name: "Delete asset" }).click();
  await page.getByRole("heading", { name: "Assets" }).waitFor(patience);
}

/** Names in the asset list (opened unless shown), with the sync badge text of each row (empty when synced). */
export async function assetRows(page: Page): Promise<{ name: string; badge: string }[]> {
  if (new URL(page.url()).hash !== "#/assets") await page.goto("/#/assets");
  await page.getByRole("list", { name: "Assets" }).waitFor(patience);
  return page.getByRole("list", { name: "Assets" }).locator("li").evaluateAll((items) =>
    items.map((item) => ({
      name: item.querySelector("strong")?.textContent ?? "",
      badge: item.querySelector("[data-testid=sync-badge]")?.textContent ?? "",
    })),
  );
}

export async function syncNow(page: Page): Promise<void> {
  await page.goto("/#/sync");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect.poll(() => page.getByTestId("sync-phase").textContent(), patience).toBe("Up to date");
}

/**
 * Syncs until `check` holds. The server releases a change to other devices once every older
 * transaction in the database cluster has ended (gap-free pulls), so under load it can take a
 * sync or two to arrive.
 */
export async function syncUntil(page: Page, check: () => Promise<boolean>): Promise<void> {
  await expect
    .poll(
      async () => {
        await syncNow(page);
        return check();
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe(true);
}

/**
 * Both devices edit the same asset offline; `first` syncs first, so the edit of `second` meets
 * it as a conflict (waited for on the asset list of `second`).
 */
export async function conflictingEdits(first: Device, second: Device, asset: string, edits: [AssetEdit, AssetEdit]): Promise<void> {
  await first.context.setOffline(true);
  await second.context.setOffline(true);
  await editAsset(first.page, asset, edits[0]);
  await editAsset(second.page, asset, edits[1]);
  await first.context.setOffline(false);
  await waitUntilSynced(first.page);
  await second.context.setOffline(false);
  await second.page.goto("/#/assets");
  await expect.poll(async () => (await assetRows(second.page)).find((row) => row.name.startsWith(asset))?.badge, patience).toBe("conflict");
}
