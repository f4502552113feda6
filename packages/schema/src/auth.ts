import { z } from "zod";
import { roleSchema } from "./enums.ts";

export const loginBodySchema = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const loginResponseSchema = z.object({
  token: z.string(),
  expiresIn: z.int(),
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: roleSchema, orgId: z.string() }),
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;
