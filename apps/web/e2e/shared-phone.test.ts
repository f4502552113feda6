// One phone, two technicians. Tara edits offline and logs out; the login screen says what becomes
// of her unsynced change; Theo signs in and sees none of it; when Tara signs in again her change
// reaches the server, once.
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { assetRows, createAsset, login, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { assetsNamed, serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();
const notice = "Tara Technician has 1 unsynced change on this device; it stays here and syncs when Tara Technician signs in again.";

async function logOut(page: Page): Promise<void> {
  await page.goto("/#/sync");
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor(patience);
}

test("another user's sign-in keeps Tara's offline edit apart and intact; it syncs once when she is back", async () => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");
  await context.setOffline(true);
  await page.getByTestId("connection").filter({ hasText: "offline" }).waitFor(patience);
  await createAsset(page, { name: "Tara's offline pump", location: "Yard" });
  await expect.poll(() => page.getByTestId("pending-pill").textContent(), patience).toBe("1 pending");
  await logOut(page);
  await page.getByRole("status").filter({ hasText: notice }).waitFor(patience);
  await screenshot(page, "shared-phone-login-notice");

  await context.setOffline(false);
  await login(page, "tech2@northwind.test");
  expect((await assetRows(page)).map((row) => row.name)).not.toContain("Tara's offline pump");
  expect(assetsNamed(await serverEntities(app.server.url, "tech2@northwind.test"), "Tara's offline pump")).toEqual([]);

  await logOut(page);
  await page.getByRole("status").filter({ hasText: notice }).waitFor(patience);
  await login(page, "tech1@northwind.test");
  await waitUntilSynced(page);
  expect(await assetRows(page)).toContainEqual({ name: "Tara's offline pump", badge: "" });
  const pumps = assetsNamed(await serverEntities(app.server.url, "tech1@northwind.test"), "Tara's offline pump");
  expect(pumps).toEqual([expect.objectContaining({ clientVersion: 1, payload: expect.objectContaining({ location: "Yard" }) })]);
  await context.close();
});
