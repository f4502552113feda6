import { expect, test } from "vitest";
import { assetRows, createAsset, login, syncUntil, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { assetsNamed, serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("an asset created online reaches another technician's device", async () => {
  const tara = await app.device();
  await tara.page.goto("/");
  await tara.page.getByRole("button", { name: "Log in" }).waitFor(patience);
  await screenshot(tara.page, "01-login");
  await login(tara.page, "tech1@northwind.test");
  expect((await assetRows(tara.page)).map((row) => row.name)).toEqual(["Boiler B-1", "Chiller C-2", "Generator G-4", "Pump P-3"]);

  await createAsset(tara.page, { name: "Valve V-7", location: "Riser 3" });
  await waitUntilSynced(tara.page);
  expect(assetsNamed(await serverEntities(app.server.url, "tech1@northwind.test"), "Valve V-7")).toHaveLength(1);

  // Another device of another technician: its initial sync brings the new asset.
  const theo = await app.device();
  await login(theo.page, "tech2@northwind.test");
  expect(await assetRows(theo.page)).toContainEqual({ name: "Valve V-7", badge: "" });

  // A second asset while Theo's app is open: he sees it after his next sync.
  await createAsset(tara.page, { name: "Valve V-8" });
  await waitUntilSynced(tara.page);
  await syncUntil(theo.page, async () => {
    await theo.page.goto("/#/assets");
    return (await assetRows(theo.page)).some((row) => row.name === "Valve V-8");
  });
  await screenshot(theo.page, "02-assets-list");

  await tara.context.close();
  await theo.context.close();
});
