import { expect, test } from "vitest";
import { assetRows, createAsset, login, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { holdSync } from "./support/busy-device.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("device 2 shows device 1's change from the live event, before syncing itself, without any user action", async () => {
  const tara = await app.device();
  const theo = await app.device();
  await login(tara.page, "tech1@northwind.test");
  // The server answers the event stream once it has subscribed it: a nudge can no longer be missed.
  const theoListens = theo.page.waitForResponse((response) => new URL(response.url()).pathname === "/api/sync/events", patience);
  await login(theo.page, "tech2@northwind.test");
  await theoListens;
  await theo.page.goto("/#/assets");
  expect((await assetRows(theo.page)).map((row) => row.name)).not.toContain("Live L-1");

  // Theo's app cannot sync from here on (its interval would bring the change after 30 s): what
  // it shows comes from the server's live event.
  const theoSyncing = await holdSync(theo.context);
  await createAsset(tara.page, { name: "Live L-1" });
  await waitUntilSynced(tara.page);
  await theo.page.getByRole("list", { name: "Assets" }).getByText("Live L-1").waitFor(patience);
  await screenshot(theo.page, "10-live-update");
  await theoSyncing.release();
  await tara.context.close();
  await theo.context.close();
});
