import { z } from "zod";
import { taskSchema } from "../entities/task.ts";
import { optionalText } from "../fields.ts";
import type { FieldLabels } from "../registry.ts";
import type { PayloadUpgrade } from "../upgrade.ts";

// A schema evolution of the task for tests of the upgrade path (the real registry is at its first
// version): `notes` renamed `details`, a required `estimateMinutes` (older creates get 60), and
// the status OPEN split into OPEN and SCHEDULED (a task with a due date is scheduled).
// apps/server/src/schema-upgrade.test.ts builds a v2 server from it in a copy of the repository.

export const taskV2Schema = taskSchema.omit({ notes: true, status: true }).extend({
  status: z.enum(["OPEN", "SCHEDULED", "IN_PROGRESS", "DONE"]).optional(),
  details: optionalText(5000),
  estimateMinutes: z.int().min(1).max(10_000),
});

export const taskToV2: PayloadUpgrade = {
  to: 2,
  rename: { notes: "details" },
  split: [{ field: "status", value: "OPEN", rule: (payload) => (typeof payload.dueAt === "string" ? "SCHEDULED" : "OPEN") }],
  added: { estimateMinutes: 60 },
};

export const taskV2Fields: FieldLabels<z.infer<typeof taskV2Schema>> = {
  assetId: { label: "Asset" },
  title: { label: "Title" },
  status: { label: "Status", values: { OPEN: "Open", SCHEDULED: "Scheduled", IN_PROGRESS: "In progress", DONE: "Done" } },
  priority: { label: "Priority", values: { LOW: "Low", NORMAL: "Normal", HIGH: "High", URGENT: "Urgent" } },
  dueAt: { label: "Due" },
  assigneeId: { label: "Assigned to" },
  details: { label: "Details" },
  estimateMinutes: { label: "Estimate (minutes)" },
};
