import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { login, waitUntilSynced } from "./support/app.ts";
import { patience, screenshot } from "./support/browser.ts";
import { serverEntities } from "./support/server-state.ts";
import { appUnderTest } from "./support/scenario.ts";

const app = appUnderTest();

/** Each row's title (without the "Yours" mark) and its last line, the reason it is listed. */
const rowsOf = (page: Page, list: string) =>
  page
    .getByRole("list", { name: list })
    .locator(":scope > li")
    .evaluateAll((items) =>
      items.map((item) => {
        const title = item.querySelector(".row-main strong");
        return {
          title: title?.firstChild?.textContent ?? "",
          mine: title?.querySelector(".badge-mine") !== null,
          why: item.querySelector(".row-main > span:last-child")?.textContent ?? "",
        };
      }),
    );

const serverPayload = async (title: string) =>
  (await serverEntities(app.server.url, "tech1@northwind.test")).find((entity) => entity.payload["title"] === title)?.payload;

test("a technician's day: today's work (hers first), the task list searched and filtered, done and undone", async () => {
  const { context, page } = await app.device();
  await login(page, "tech1@northwind.test");

  // Home is Today; the seed's dates count from today: Tara's overdue and due-today tasks first,
  // then the team's overdue schedule and Theo's task; the schedule due in four days apart.
  await page.getByRole("heading", { name: "Today" }).waitFor(patience);
  expect(await rowsOf(page, "Due today")).toEqual([
    { title: "Check pump seal for leaks", mine: true, why: expect.stringMatching(/^Overdue since /) },
    { title: "Replace chiller filter", mine: true, why: "Due today" },
    { title: "Generator test run", mine: false, why: expect.stringMatching(/^Overdue since /) },
    { title: "Annual boiler inspection", mine: false, why: "Due today" },
  ]);
  expect((await rowsOf(page, "Later this week")).map((row) => row.title)).toEqual(["Boiler service"]);
  // The bottom navigation keeps to five tabs and fits the phone.
  const nav = page.getByRole("navigation", { name: "Main" });
  expect(await nav.getByRole("link").allTextContents()).toEqual(["Today", "Tasks", "Assets", "Conflicts", "Sync"]);
  expect(await nav.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  await screenshot(page, "13-today");

  // Offline, done then undone: the unsent change cancels out, nothing is left to push.
  await context.setOffline(true);
  await page.getByTestId("connection").filter({ hasText: "offline" }).waitFor(patience);
  await page.getByRole("button", { name: "Done: Check pump seal for leaks" }).click();
  // The pointer on the snackbar holds it open (it would leave after a few seconds).
  const snackbar = page.locator(".snackbar");
  await snackbar.filter({ hasText: "Check pump seal for leaks: done" }).hover();
  await expect.poll(() => page.getByTestId("pending-pill").textContent(), patience).toBe("1 pending");
  expect((await rowsOf(page, "Due today")).map((row) => row.title)).not.toContain("Check pump seal for leaks");
  await snackbar.getByRole("button", { name: "Undo" }).click();
  await page.getByRole("list", { name: "Due today" }).getByText("Check pump seal for leaks").waitFor(patience);
  await page.getByTestId("pending-pill").waitFor({ state: "detached", ...patience });
  await context.setOffline(false);

  // Online, done and synced, then undone: the undo is a change of its own that puts the date back.
  const dueBefore = (await serverPayload("Generator test run"))?.["nextDueAt"];
  await page.getByRole("button", { name: "Done today: Generator test run" }).click();
  // Held open while the change reaches the server.
  await snackbar.filter({ hasText: "Generator test run: done today" }).hover();
  await expect.poll(async () => (await serverPayload("Generator test run"))?.["nextDueAt"], { ...patience, interval: 500 }).not.toBe(dueBefore);
  expect((await rowsOf(page, "Due today")).map((row) => row.title)).not.toContain("Generator test run");
  await snackbar.getByRole("button", { name: "Undo" }).click();
  await page.getByRole("list", { name: "Due today" }).getByText("Generator test run").waitFor(patience);
  await expect.poll(async () => (await serverPayload("Generator test run"))?.["nextDueAt"], { ...patience, interval: 500 }).toBe(dueBefore);

  // The task list across assets: search on titles, filters by status, priority and site.
  await nav.getByRole("link", { name: "Tasks" }).click();
  const titles = () => page.getByRole("list", { name: "All tasks" }).locator(":scope > li .row-main strong a").allTextContents();
  await expect.poll(titles, patience).toEqual(["Check pump seal for leaks", "Annual boiler inspection", "Replace chiller filter"]);
  await page.getByLabel("Search tasks").fill("FILTER");
  await expect.poll(titles, patience).toEqual(["Replace chiller filter"]);
  await page.getByLabel("Search tasks").fill("");
  await page.getByLabel("Location", { exact: true }).selectOption("Basement, riser 2");
  await expect.poll(titles, patience).toEqual(["Check pump seal for leaks"]);
  await page.getByLabel("Location", { exact: true }).selectOption("");
  await page.getByLabel("Priority", { exact: true }).selectOption({ label: "High" });
  await page.getByLabel("Status", { exact: true }).selectOption({ label: "Open" });
  await expect.poll(titles, patience).toEqual(["Annual boiler inspection"]);
  await page.getByLabel("Status", { exact: true }).selectOption({ label: "In progress" });
  await page.getByText("No task matches.").waitFor(patience);
  await page.getByLabel("Priority", { exact: true }).selectOption("");
  await expect.poll(titles, patience).toEqual(["Replace chiller filter"]);
  await screenshot(page, "14-tasks-filtered");

  // A task done and undone from the list ends as it was, on the server too.
  await page.getByRole("button", { name: "Done: Replace chiller filter" }).click();
  await snackbar.filter({ hasText: "Replace chiller filter: done" }).hover();
  await page.getByText("No task matches.").waitFor(patience);
  await snackbar.getByRole("button", { name: "Undo" }).click();
  await expect.poll(titles, patience).toEqual(["Replace chiller filter"]);
  await waitUntilSynced(page);
  await expect.poll(async () => (await serverPayload("Replace chiller filter"))?.["status"], { ...patience, interval: 500 }).toBe("IN_PROGRESS");
  await context.close();
});
