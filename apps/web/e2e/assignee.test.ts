import { expect, test } from "vitest";
import { login, openAsset, syncUntil } from "./support/app.ts";
import { patience } from "./support/browser.ts";
import { serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

test("a task is assigned from a labelled list of the organization's users, offline too", async () => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");

  await openAsset(page, "Boiler B-1");
  await page.getByRole("button", { name: "+ Add task" }).click();
  const assignee = page.getByRole("combobox", { name: "Assigned to" });
  const names = () => assignee.locator("option").allTextContents();
  // The list comes from the device's store, filled from the server after signing in.
  await assignee.locator("option", { hasText: "Theo Technician" }).waitFor({ ...patience, state: "attached" });
  expect(await names()).toEqual(["Nobody", "Ada Admin", "Tara Technician", "Theo Technician"]);
  await page.getByRole("button", { name: "Cancel" }).click();

  // Offline, after a reload: the same list, from the store alone.
  await context.setOffline(true);
  await page.reload();
  await openAsset(page, "Boiler B-1");
  await page.getByRole("button", { name: "+ Add task" }).click();
  await assignee.locator("option", { hasText: "Theo Technician" }).waitFor({ ...patience, state: "attached" });
  expect(await names()).toEqual(["Nobody", "Ada Admin", "Tara Technician", "Theo Technician"]);
  await page.getByLabel("Title *").fill("Vent the expansion tank");
  await assignee.selectOption({ label: "Theo Technician" });
  await page.getByRole("button", { name: "Add task" }).click();
  await page.getByRole("list", { name: "Tasks" }).getByText("Vent the expansion tank").waitFor(patience);

  await context.setOffline(false);
  const assigned = async () => {
    const entities = await serverEntities(app.server.url, "tech1@northwind.test");
    const task = entities.find((entity) => entity.payload["title"] === "Vent the expansion tank");
    return task?.payload["assigneeId"] ?? null;
  };
  await syncUntil(page, async () => (await assigned()) !== null);
  const theo = await app.server.db.user.findUniqueOrThrow({ where: { email: "tech2@northwind.test" } });
  expect(await assigned()).toBe(theo.id);
  await context.close();
});
