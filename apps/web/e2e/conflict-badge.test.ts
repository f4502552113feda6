import { expect, test } from "vitest";
import { conflictingEdits, login } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("a list row's conflict badge is a link of its own, beside the row's link, that the keyboard reaches and that opens the conflict", async () => {
  const tara = await app.device();
  const theo = await app.device();
  await login(tara.page, "tech1@northwind.test");
  await login(theo.page, "tech2@northwind.test");
  await conflictingEdits(tara, theo, "Chiller C-2", [{ location: "Roof, east" }, { location: "Roof, west" }]);
  const stored = await app.server.db.syncConflict.findFirstOrThrow({ where: { resolvedAt: null } });

  const { page } = theo;
  const row = page.getByRole("list", { name: "Assets" }).getByRole("listitem").filter({ hasText: "Chiller C-2" });
  const rowLink = row.getByRole("link", { name: /^Chiller C-2/ });
  const badge = row.getByRole("link", { name: "conflict", exact: true });
  expect(await badge.getAttribute("href")).toBe(`#/conflicts/${stored.id}`);
  // Valid HTML: no link inside another.
  expect(await page.locator("a a").count()).toBe(0);
  await screenshot(page, "asset-row-conflict-badge", { fullPage: false });

  // From the row's link, Tab reaches the badge; Enter opens the conflict.
  await rowLink.focus();
  await page.keyboard.press("Tab");
  expect(await badge.evaluate((element) => element === document.activeElement)).toBe(true);
  await page.keyboard.press("Enter");
  await expect.poll(() => page.url(), patience).toMatch(new RegExp(`#/conflicts/${stored.id}$`));
  await page.getByTestId("conflict").waitFor(patience);

  // The row's own link still opens the asset.
  await page.goBack();
  await rowLink.click();
  await page.getByRole("heading", { name: "Chiller C-2", exact: true, level: 1 }).waitFor(patience);
  await tara.context.close();
  await theo.context.close();
});
