import { expect, test } from "vitest";
import { assetRows, createAsset, deleteAsset, editAsset, login, openAsset, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { assetsNamed, serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("offline create, edit and delete survive a reload and reach the server exactly once", async () => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");
  await createAsset(page, { name: "Spare compressor", location: "Store" });
  await waitUntilSynced(page);
  const before = await serverEntities(app.server.url, "tech1@northwind.test");
  const spare = assetsNamed(before, "Spare compressor")[0]!;
  const chiller = assetsNamed(before, "Chiller C-2")[0]!;

  await context.setOffline(true);
  await page.getByTestId("connection").filter({ hasText: "offline" }).waitFor(patience);
  await createAsset(page, { name: "Offline pump", location: "Yard" });
  await editAsset(page, "Offline pump", { location: "Bay 4" });
  await editAsset(page, "Chiller C-2", { location: "Roof, north side" });
  await deleteAsset(page, "Spare compressor");

  // A reload while offline: the shell comes from the service worker, the data from IndexedDB.
  await page.reload();
  await page.getByRole("heading", { name: "Assets" }).waitFor(patience);
  const rows = await assetRows(page);
  expect(rows).toContainEqual({ name: "Offline pump", badge: "pending sync" });
  expect(rows).toContainEqual({ name: "Chiller C-2", badge: "pending sync" });
  expect(rows).toContainEqual({ name: "Boiler B-1", badge: "" });
  expect(rows.map((row) => row.name)).not.toContain("Spare compressor");
  await expect.poll(() => page.getByTestId("pending-pill").textContent(), patience).toBe("3 pending");
  await screenshot(page, "03-offline-pending");
  await openAsset(page, "Offline pump");
  await screenshot(page, "04-asset-detail-offline");
  await page.goto("/#/sync");
  await expect.poll(() => page.getByTestId("pending-count").textContent(), patience).toBe("3");
  await screenshot(page, "05-sync-panel-offline");

  // Nothing left the device while it was offline.
  const during = await serverEntities(app.server.url, "tech1@northwind.test");
  expect(assetsNamed(during, "Offline pump")).toEqual([]);
  expect(assetsNamed(during, "Spare compressor")).toHaveLength(1);

  await context.setOffline(false);
  await waitUntilSynced(page);
  await expect.poll(() => page.getByTestId("sync-phase").textContent(), patience).toBe("Up to date");
  // The replica was verified against the server's digests after the first sync.
  await expect.poll(() => page.getByTestId("last-verification").textContent(), patience).toMatch(/768 buckets checked · all matched/);
  await screenshot(page, "06-sync-panel-synced");

  const after = await serverEntities(app.server.url, "tech1@northwind.test");
  const pumps = assetsNamed(after, "Offline pump");
  expect(pumps).toHaveLength(1);
  // Create and edit were made offline before any sync: one CREATE with the final values.
  expect(pumps[0]).toMatchObject({ clientVersion: 1, payload: { location: "Bay 4" } });
  expect(after.find((entity) => entity.entityId === chiller.entityId)).toMatchObject({
    clientVersion: chiller.clientVersion + 1,
    payload: { location: "Roof, north side", status: "MAINTENANCE" },
  });
  expect(after.some((entity) => entity.entityId === spare.entityId)).toBe(false);

  // The server received each change once (the page's sync and Background Sync share changeIds).
  for (const entityId of [pumps[0]!.entityId, chiller.entityId, spare.entityId]) {
    const received = await app.server.db.syncQueue.findMany({ where: { entityId, clientTimestamp: { gt: new Date(spare.timestamp) } } });
    expect(received.map((item) => item.status)).toEqual(["COMPLETED"]);
  }
  await context.close();
});
