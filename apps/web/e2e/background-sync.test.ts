import { expect, test } from "vitest";
import { createAsset, login, waitUntilSynced } from "./support/app.ts";
import { patience } from "./support/browser.ts";
import { assetsNamed, serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("Background Sync: the service worker sends an offline change when the network returns, with the app closed", async () => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");

  await context.setOffline(true);
  await createAsset(page, { name: "Pump made offline" });
  // The app registers its `sync-all` tag after the save, without awaiting it; leaving the page
  // before the registration lands leaves nothing for the browser to fire (seen in CI under load).
  await page.waitForFunction(async () => {
    const registration = (await navigator.serviceWorker.getRegistration()) as (ServiceWorkerRegistration & { sync?: { getTags(): Promise<string[]> } }) | undefined;
    return (await registration?.sync?.getTags())?.includes("sync-all") === true;
  }, undefined, { ...patience, polling: 100 });
  // Leave the app: no page of it runs any more, only its service worker can send the change.
  await page.goto("about:blank");
  expect(assetsNamed(await serverEntities(app.server.url, "tech1@northwind.test"), "Pump made offline")).toEqual([]);

  // Chromium holds the `sync-all` registration while offline and fires it on reconnection.
  await context.setOffline(false);
  await expect
    .poll(async () => assetsNamed(await serverEntities(app.server.url, "tech1@northwind.test"), "Pump made offline").length, patience)
    .toBe(1);

  // Back in the app the change is acknowledged, not sent again: counted after the app's own
  // first sync (which always pushes once) has been answered.
  const pushed = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/api/sync", patience);
  await page.goto(`${app.server.url}/#/assets`);
  await pushed;
  await waitUntilSynced(page);
  const received = await app.server.db.syncQueue.count({ where: { entityId: assetsNamed(await serverEntities(app.server.url, "tech1@northwind.test"), "Pump made offline")[0]!.entityId } });
  expect(received).toBe(1);
  await context.close();
});
