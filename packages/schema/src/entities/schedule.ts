import { z } from "zod";
import { entityIdSchema, isoDateTime, optionalText, requiredText } from "../fields.ts";

export const scheduleSchema = z.strictObject({
  assetId: entityIdSchema,
  title: requiredText(200),
  /** Recurrence: the work is due again this many days after it was last done. */
  intervalDays: z.int().min(1).max(3650),
  nextDueAt: isoDateTime,
  notes: optionalText(5000),
});
export type Schedule = z.infer<typeof scheduleSchema>;
