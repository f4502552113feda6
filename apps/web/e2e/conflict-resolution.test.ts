import { expect, test } from "vitest";
import { assetRows, conflictingEdits, login, syncUntil, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("two devices edit the same field offline: the conflict is resolved in the UI and both converge", async () => {
  const tara = await app.device();
  const theo = await app.device();
  await login(tara.page, "tech1@northwind.test");
  await login(theo.page, "tech2@northwind.test");

  // Theo's edit meets Tara's: a conflict, shown on the asset and in the navigation.
  await conflictingEdits(tara, theo, "Pump P-3", [{ name: "Pump P-3 (seal replaced)", location: "Basement, riser 3" }, { name: "Pump P-3 (leaking)" }]);
  await theo.page.getByRole("link", { name: /Conflicts/ }).click();
  const card = theo.page.getByTestId("conflict");
  await card.waitFor(patience);
  const nameRow = card.locator("tr.conflicting");
  expect(await nameRow.count()).toBe(1);
  expect(await nameRow.locator("th").textContent()).toBe("Name");
  expect(await nameRow.locator("td").nth(0).textContent()).toContain("Pump P-3 (leaking)");
  expect(await nameRow.locator("td").nth(1).textContent()).toContain("Pump P-3 (seal replaced)");
  await screenshot(theo.page, "07-conflict");

  // Per-field merge: Theo keeps his name; Tara's location change stays.
  await nameRow.locator("td").nth(0).getByRole("radio").check();
  await card.getByRole("button", { name: "Merge selected fields" }).click();
  await theo.page.getByText("No open conflicts.").waitFor(patience);
  await waitUntilSynced(theo.page);

  for (const page of [tara.page, theo.page]) {
    await syncUntil(page, async () => {
      await page.goto("/#/assets");
      const pump = (await assetRows(page)).find((row) => row.name.startsWith("Pump P-3"));
      return pump?.name === "Pump P-3 (leaking)" && pump.badge === "";
    });
  }
  const pump = (await serverEntities(app.server.url, "admin@northwind.test")).find((entity) => entity.payload["serialNumber"] === "PU-3003");
  expect(pump?.payload).toMatchObject({ name: "Pump P-3 (leaking)", location: "Basement, riser 3" });
  expect(await app.server.db.syncConflict.count({ where: { resolvedAt: null } })).toBe(0);

  await tara.context.close();
  await theo.context.close();
});
