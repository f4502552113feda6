import { randomUUID } from "node:crypto";
import { type HealthDashboardResponse, healthDashboardResponseSchema } from "@fieldsync/schema";
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { formatPercent } from "../src/app/format.ts";
import { conflictingEdits, login } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { accessToken, post } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

/** A scripted device of Theo's pushing over REST: a task of an asset that does not exist (rejected). */
async function pushOrphanTask(token: string, async = false) {
  const change = { changeId: randomUUID(), entityType: "task", entityId: randomUUID(), operation: "CREATE", payload: { assetId: randomUUID(), title: "Orphan" }, clientVersion: 0, timestamp: new Date().toISOString() };
  return post(`${app.server.url}/api/sync`, { deviceId: "theo-script", deviceName: "sync script", async, changes: [change] }, token);
}

async function apiDashboard(token: string): Promise<HealthDashboardResponse> {
  const response = await fetch(`${app.server.url}/api/sync/health/dashboard`, { headers: { authorization: `Bearer ${token}` } });
  return healthDashboardResponseSchema.parse(await response.json());
}

/** Tooltip values of one chart series ("10:20 · conflicts 33 %" → "33 %"). */
const pointValues = (page: Page, chart: string, series: string) =>
  page
    .getByRole("figure", { name: chart })
    .locator(`[data-series="${series}"] circle title`)
    .evaluateAll((titles, name) => titles.map((t) => t.textContent!.split(` · ${name} `)[1]!), series);

const pixel7 = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

test("an admin watches real sync activity on the Health screen, on a phone; technicians have no Health screen", async () => {
  const tara = await app.device();
  const theo = await app.device({ userAgent: pixel7 });
  await login(tara.page, "tech1@northwind.test");
  await login(theo.page, "tech2@northwind.test");

  // Tara names her device on the Devices screen; Theo's keeps the name derived from his phone.
  await tara.page.goto("/#/devices");
  await tara.page.getByRole("button", { name: /^Rename Tara's Linux PC \(Chrome\)$/ }).click();
  await tara.page.getByLabel("Device name").fill("Tara's van tablet");
  await tara.page.getByRole("button", { name: "Save name" }).click();
  await tara.page.getByText("Tara's van tablet (this device)").waitFor(patience);

  await conflictingEdits(tara, theo, "Pump P-3", [{ name: "Pump P-3 (seal replaced)" }, { name: "Pump P-3 (leaking)" }]);

  // A rejected change, and one waiting for a worker this server does not run (the backlog).
  const theoToken = await accessToken(app.server.url, "tech2@northwind.test", "theo-script");
  await pushOrphanTask(theoToken);
  await pushOrphanTask(theoToken, true);

  const admin = await app.device();
  await login(admin.page, "admin@northwind.test");
  await admin.page.getByRole("link", { name: "Health" }).click();
  const page = admin.page;
  const summary = page.getByTestId("health-summary");
  await summary.waitFor(patience);
  expect(await summary.textContent()).toMatch(/^Last 6 h: 3 changes processed · 1 conflict · 1 failed · \d+ syncs/);

  const alerts = page.getByRole("list", { name: "Alerts" });
  const alert = (name: string) => alerts.locator(`[data-alert="${name}"]`);
  expect(await alerts.locator("li").count()).toBe(4);
  expect(await alert("LargeSyncBacklog").textContent()).toMatch(/^okBacklog: 11 changes wait for the worker · warn at 1000, critical at 10000$/);
  expect(await alert("HighConflictRate").textContent()).toContain("only 3 changes in the last 60 min; rates are judged from 20");
  expect(await alert("DeviceOffline").locator(".badge").textContent()).toBe("ok");

  // The charts show the server's own buckets: the backlog now, the rates where changes were processed.
  const adminToken = await accessToken(app.server.url, "admin@northwind.test", "admin-dashboard-check");
  const data = await apiDashboard(adminToken);
  const backlogChart = page.getByRole("figure", { name: "Backlog" });
  // The legend states the range: its peak, and the value now.
  const backlogPeak = Math.max(...data.buckets.map((b) => b.backlog));
  expect(await backlogChart.locator(".chart-legend").textContent()).toBe(`last 6 h:waiting: peak ${backlogPeak}, now 1`);
  expect(await backlogChart.locator("circle").count()).toBe(36);
  const processedBuckets = data.buckets.filter((b) => b.processed > 0);
  expect(processedBuckets.reduce((sum, b) => sum + b.conflicts, 0)).toBe(1);
  expect(await pointValues(page, "Conflict and failure rate", "conflicts")).toEqual(processedBuckets.map((b) => formatPercent(b.conflictRate!)));
  expect(await pointValues(page, "Conflict and failure rate", "failures")).toEqual(processedBuckets.map((b) => formatPercent(b.failureRate!)));
  // Successful pushes and pulls have durations: points of every percentile.
  expect(data.buckets.reduce((sum, b) => sum + b.syncs, 0)).toBeGreaterThanOrEqual(4);
  for (const p of ["p50", "p95", "p99"]) expect((await pointValues(page, "Sync duration", p)).length).toBeGreaterThan(0);

  // On a phone: one card per device, named so they can be told apart, nothing clipped.
  const cards = page.getByRole("list", { name: "Device health" });
  const card = (name: string) => cards.getByRole("listitem").filter({ has: page.getByText(name, { exact: true }) });
  expect(await cards.getByRole("listitem").locator("strong").allTextContents()).toEqual(
    expect.arrayContaining(["Tara's van tablet", "Theo's Pixel 7", "Theo's sync script", "Ada's Linux PC (Chrome)"]),
  );
  expect(await cards.getByRole("listitem").count()).toBe(4);
  expect(await card("Theo's sync script").locator("dd").allTextContents()).toEqual(["never", expect.stringMatching(/^1 · oldest \d+ (s|min)$/), "1", expect.stringMatching(/^\d+ (s|min)$/)]);
  expect(await card("Theo's sync script").locator(".muted").first().textContent()).toBe("Theo Technician");
  for (const name of ["Tara's van tablet", "Theo's Pixel 7", "Ada's Linux PC (Chrome)"]) {
    expect(await card(name).locator("dd").first().textContent()).not.toBe("never");
  }
  expect(await card("Tara's van tablet").locator("dd").nth(1).textContent()).toBe("0");
  const overflow = await cards.evaluate((list) => [...list.querySelectorAll("li")].filter((li) => li.scrollWidth > li.clientWidth || li.getBoundingClientRect().right > innerWidth).length);
  expect(overflow).toBe(0);
  expect(await page.getByRole("table", { name: "Device health" }).count()).toBe(0);
  // A wide screen gets the table instead.
  await page.setViewportSize({ width: 1024, height: 800 });
  await expect.poll(() => page.getByRole("table", { name: "Device health" }).locator("tbody tr").count(), patience).toBe(4);
  expect(await cards.count()).toBe(0);
  // Back on the phone, as tall as the page, so the fixed bottom navigation does not cover a chart in the capture.
  await page.setViewportSize({ width: 390, height: 844 });
  await cards.waitFor(patience);
  await page.setViewportSize({ width: 390, height: await page.evaluate(() => document.documentElement.scrollHeight) });
  await screenshot(page, "health-dashboard");

  // The screen refreshes itself: a second rejected change shows up without a reload.
  await pushOrphanTask(theoToken);
  await expect.poll(() => summary.textContent(), { timeout: 60_000, interval: 500 }).toMatch(/4 changes processed · 1 conflict · 2 failed/);

  // Technicians: no Health tab, and the screen itself says it is for admins.
  const nav = tara.page.getByRole("navigation", { name: "Main" });
  expect(await nav.getByRole("link").count()).toBe(5);
  expect(await nav.getByRole("link", { name: "Health" }).count()).toBe(0);
  await tara.page.goto("/#/health");
  await tara.page.getByText("Sync health is for organization admins.").waitFor(patience);
  expect(await tara.page.getByRole("list", { name: "Device health" }).count()).toBe(0);

  for (const device of [tara, theo, admin]) await device.context.close();
});
