import { z } from "zod";
import { deviceIdSchema } from "./device.ts";
import { roleSchema } from "./enums.ts";

/**
 * A session belongs to one device: the tokens it yields are valid for requests of `deviceId`
 * only, and revoking that device ends the session. Login also brings a revoked device of the
 * same user back (audited).
 */
export const loginBodySchema = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(1).max(256),
  deviceId: deviceIdSchema,
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

/** `deviceId`: the device the session was opened on (login's); any other is refused. */
export const refreshBodySchema = z.strictObject({
  refreshToken: z.string().min(1).max(256),
  deviceId: deviceIdSchema,
});
export type RefreshBody = z.infer<typeof refreshBodySchema>;

/**
 * POST /api/sync/events/ticket: a single-use ticket for `GET /api/sync/events?ticket=` (EventSource
 * cannot send an Authorization header, and an access token in a URL would end up in logs).
 */
export const streamTicketResponseSchema = z.object({
  ticket: z.string(),
  /** Seconds within which the ticket must be used; it works once. */
  expiresIn: z.int(),
});
export type StreamTicketResponse = z.infer<typeof streamTicketResponseSchema>;
