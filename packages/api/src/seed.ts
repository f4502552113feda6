import { type Db, runAs } from "@fieldsync/db";
import { hashPassword } from "./auth/password.ts";

export const demoPassword = "fieldsync-demo";

// Fixed ids so the demo data is the same on every machine (and easy to find in the docs).
const org = { northwind: "00000000-0000-4000-8000-000000000001", globex: "00000000-0000-4000-8000-000000000002" };
const asset = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const task = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const schedule = (n: number) => `30000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const user = { tara: "40000000-0000-4000-8000-000000000001", theo: "40000000-0000-4000-8000-000000000002" };

export const demoUsers = [
  { id: user.tara, email: "tech1@northwind.test", name: "Tara Technician", role: "TECHNICIAN", orgId: org.northwind },
  { id: user.theo, email: "tech2@northwind.test", name: "Theo Technician", role: "TECHNICIAN", orgId: org.northwind },
  { id: "40000000-0000-4000-8000-000000000003", email: "admin@northwind.test", name: "Ada Admin", role: "ADMIN", orgId: org.northwind },
  { id: "40000000-0000-4000-8000-000000000004", email: "tech@globex.test", name: "Gil Globex", role: "TECHNICIAN", orgId: org.globex },
] as const;

/**
 * Noon UTC `days` from the day `now` falls on: the same calendar day from UTC-11 to UTC+11, so
 * "due today" is today wherever the demo is opened.
 */
const seedDay = (now: Date, days: number) =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, 12));

/**
 * Demo organizations, users and a handful of assets, tasks and schedules. Idempotent. Due dates
 * count from the day it runs (`now`), so a new user's Today screen shows work: for Tara, a task
 * overdue and one due today (hers), a schedule overdue and Theo's task due today (the team's), and
 * a schedule due later this week.
 */
export async function seedDemoData(db: Db, now = new Date()): Promise<void> {
  if (await db.organization.findUnique({ where: { id: org.northwind } })) return;
  const passwordHash = await hashPassword(demoPassword);
  await runAs("seed", () =>
    db.$transaction(async (tx) => {
      await tx.organization.createMany({ data: [{ id: org.northwind, name: "Northwind" }, { id: org.globex, name: "Globex" }] });
      await tx.user.createMany({ data: demoUsers.map((u) => ({ ...u, passwordHash })) });
      await tx.asset.createMany({
        data: [
          { orgId: org.northwind, id: asset(1), name: "Boiler B-1", serialNumber: "BX-1001", location: "Basement, plant room" },
          { orgId: org.northwind, id: asset(2), name: "Chiller C-2", serialNumber: "CH-2002", location: "Roof", status: "MAINTENANCE" },
          { orgId: org.northwind, id: asset(3), name: "Pump P-3", serialNumber: "PU-3003", location: "Basement, riser 2" },
          { orgId: org.northwind, id: asset(4), name: "Generator G-4", serialNumber: "GN-4004", location: "Yard" },
          { orgId: org.globex, id: asset(101), name: "Globex Compressor", serialNumber: "GX-1", location: "Hall A" },
        ],
      });
      await tx.task.createMany({
        data: [
          { orgId: org.northwind, id: task(1), assetId: asset(1), title: "Annual boiler inspection", priority: "HIGH", dueAt: seedDay(now, 0), assigneeId: user.theo },
          { orgId: org.northwind, id: task(2), assetId: asset(2), title: "Replace chiller filter", status: "IN_PROGRESS", dueAt: seedDay(now, 0), assigneeId: user.tara },
          { orgId: org.northwind, id: task(3), assetId: asset(3), title: "Check pump seal for leaks", priority: "URGENT", dueAt: seedDay(now, -1), assigneeId: user.tara },
          { orgId: org.globex, id: task(101), assetId: asset(101), title: "Drain condensate" },
        ],
      });
      await tx.schedule.createMany({
        data: [
          { orgId: org.northwind, id: schedule(1), assetId: asset(1), title: "Boiler service", intervalDays: 365, nextDueAt: seedDay(now, 4) },
          { orgId: org.northwind, id: schedule(2), assetId: asset(4), title: "Generator test run", intervalDays: 30, nextDueAt: seedDay(now, -2) },
        ],
      });
    }),
  );
}
