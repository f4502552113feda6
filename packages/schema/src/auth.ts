import { z } from "zod";
import { roleSchema } from "./enums.ts";

export const loginBodySchema = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

/** Login and refresh answer alike: a short-lived access token and the next refresh token. */
export const loginResponseSchema = z.object({
  token: z.string(),
  /** Lifetime of `token` in seconds. */
  expiresIn: z.int(),
  /** Opaque, single-use: POST /api/auth/refresh exchanges it for a new pair. */
  refreshToken: z.string(),
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: roleSchema, orgId: z.string() }),
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

export const refreshBodySchema = z.strictObject({
  refreshToken: z.string().min(1).max(256),
});
export type RefreshBody = z.infer<typeof refreshBodySchema>;
