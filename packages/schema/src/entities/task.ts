import { z } from "zod";
import { entityIdSchema, optionalDateTime, optionalText, requiredText } from "../fields.ts";

export const taskStatusSchema = z.enum(["OPEN", "IN_PROGRESS", "DONE"]);
export const taskPrioritySchema = z.enum(["LOW", "NORMAL", "HIGH", "URGENT"]);

export const taskSchema = z.strictObject({
  assetId: entityIdSchema,
  title: requiredText(200),
  status: taskStatusSchema.optional(),
  priority: taskPrioritySchema.optional(),
  dueAt: optionalDateTime,
  /** The user (of the same organization) the task is assigned to; null: anyone's. */
  assigneeId: entityIdSchema.nullable().optional(),
  notes: optionalText(5000),
});
export type Task = z.infer<typeof taskSchema>;
