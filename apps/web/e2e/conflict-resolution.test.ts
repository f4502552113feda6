import { expect, test } from "vitest";
import { assetRows, conflictingEdits, login, openAsset, syncUntil, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("two devices edit the same fields offline: the conflict is resolved from plain labels in the UI and both converge", async () => {
  const tara = await app.device();
  const theo = await app.device();
  const ada = await app.device();
  await login(tara.page, "tech1@northwind.test");
  await login(theo.page, "tech2@northwind.test");
  await login(ada.page, "admin@northwind.test");

  // Theo's edit meets Tara's, which reached the server later than Theo made his: a conflict.
  await conflictingEdits(tara, theo, "Pump P-3", [
    { name: "Pump P-3 (seal replaced)", location: "Basement, riser 3", serialNumber: "PU-3003-B", status: "In maintenance" },
    { name: "Pump P-3 (leaking)", serialNumber: "PU-3003-X", status: "Retired" },
  ]);
  const stored = await app.server.db.syncConflict.findFirstOrThrow({ where: { resolvedAt: null } });
  const taraWrote = await app.server.db.changeLog.findFirstOrThrow({ where: { entityId: stored.entityId, version: stored.serverVersion } });
  // Tara's version was written after Theo's edit was made: the rules suggest keeping it.
  expect(stored.suggestedResolution).toBe("SERVER_WINS");

  // The asset's conflict badge leads to this conflict.
  await openAsset(theo.page, "Pump P-3 (leaking)");
  await theo.page.locator(".screen-head").getByRole("link", { name: "conflict" }).click();
  await expect.poll(() => theo.page.url(), patience).toMatch(new RegExp(`#/conflicts/${stored.id}$`));
  const card = theo.page.getByTestId("conflict");
  await card.waitFor(patience);

  // Fields and values by their labels; whose edit each side is, and when.
  const conflicting = card.locator("tr.conflicting");
  expect(await conflicting.locator("th").allTextContents()).toEqual(["Name", "Serial number", "Status"]);
  const row = (label: string) => conflicting.filter({ has: theo.page.getByRole("rowheader", { name: label, exact: true }) });
  expect(await row("Status").locator("td").allTextContents()).toEqual([" Retired", " In maintenance"]);
  expect(await row("Serial number").locator("td").allTextContents()).toEqual([" PU-3003-X", " PU-3003-B"]);
  expect(await card.locator("thead th").allTextContents()).toEqual(["Field", "Your edit", "Tara Technician's edit"]);
  const taraEdit = card.locator(".conflict-edits li", { hasText: "Tara Technician's edit" });
  expect(await taraEdit.locator("time").getAttribute("datetime")).toBe(taraWrote.createdAt.toISOString());
  expect(await card.getByTestId("suggestion").textContent()).toBe("Suggested: keep Tara Technician's. Tara Technician's edit is the newer one.");
  // Per field, the suggestion's reason (a fresh organization has no history to learn from yet).
  const reasons = await card.getByRole("list", { name: "Why, per field" }).locator("li").allTextContents();
  expect(reasons).toHaveLength(3);
  expect(reasons[1]).toMatch(/^No past conflicts on Asset · Serial number yet/);

  // Preselected: Tara's values, as the primary button says.
  const primary = card.locator(".actions .primary");
  expect(await primary.textContent()).toBe("Keep Tara Technician's");
  for (const label of ["Name", "Serial number", "Status"]) {
    expect(await row(label).locator("td").nth(1).getByRole("radio").isChecked()).toBe(true);
    expect(await row(label).locator("td").nth(0).getByRole("radio").isChecked()).toBe(false);
  }
  await screenshot(theo.page, "07-conflict");

  // An admin sees whose edit each side is.
  await syncUntil(ada.page, async () => {
    await ada.page.goto("/#/conflicts");
    return (await ada.page.getByTestId("conflict").count()) === 1;
  });
  expect(await ada.page.getByTestId("conflict").locator("thead th").allTextContents()).toEqual(["Field", "Theo Technician's edit", "Tara Technician's edit"]);

  // Theo keeps his name: the primary action becomes the merge of what is picked; Tara's other values stay.
  await row("Name").locator("td").nth(0).getByRole("radio").check();
  expect(await primary.textContent()).toBe("Merge selected fields");
  await primary.click();
  await theo.page.getByText("This conflict is no longer open.").waitFor(patience);
  await waitUntilSynced(theo.page);

  for (const page of [tara.page, theo.page]) {
    await syncUntil(page, async () => {
      await page.goto("/#/assets");
      const pump = (await assetRows(page)).find((row) => row.name.startsWith("Pump P-3"));
      return pump?.name === "Pump P-3 (leaking)" && pump.badge === "";
    });
  }
  const pump = (await serverEntities(app.server.url, "admin@northwind.test")).find((entity) => entity.entityId === stored.entityId);
  expect(pump?.payload).toMatchObject({ name: "Pump P-3 (leaking)", location: "Basement, riser 3", serialNumber: "PU-3003-B", status: "MAINTENANCE" });
  expect(await app.server.db.syncConflict.count({ where: { resolvedAt: null } })).toBe(0);

  await Promise.all([tara.context.close(), theo.context.close(), ada.context.close()]);
});
