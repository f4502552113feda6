import { expect, test } from "vitest";
import { assetRows, createAsset, login, waitUntilSynced } from "./support/app.ts";
import { screenshot } from "./support/browser.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("device 2 shows device 1's change within 2 seconds, without any user action", async () => {
  const tara = await app.device();
  const theo = await app.device();
  await login(tara.page, "tech1@northwind.test");
  await login(theo.page, "tech2@northwind.test");
  await theo.page.goto("/#/assets");
  expect((await assetRows(theo.page)).map((row) => row.name)).not.toContain("Live L-1");

  await createAsset(tara.page, { name: "Live L-1" });
  await waitUntilSynced(tara.page);
  // Theo's app polls only every 30 s: seeing it within 2 s means the server's nudge made it pull.
  const started = Date.now();
  await theo.page.getByRole("list", { name: "Assets" }).getByText("Live L-1").waitFor({ timeout: 2000 });
  console.log(`nudged device showed the change ${Date.now() - started} ms after the other device's push was acknowledged`);
  await screenshot(theo.page, "10-live-update");
  await tara.context.close();
  await theo.context.close();
});
