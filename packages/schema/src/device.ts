import { z } from "zod";
import { limits } from "./limits.ts";
import { isoDateTime, text } from "./fields.ts";

export const deviceIdSchema = z
  .string()
  .min(1)
  .max(limits.maxDeviceIdLength)
  .regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only")
  .meta({ examples: ["tablet-7"] });

export const deviceNameSchema = text(100).trim();

export const registerDeviceBodySchema = z.strictObject({
  deviceId: deviceIdSchema,
  deviceName: deviceNameSchema.optional(),
});

export const deviceSchema = z.object({
  deviceId: z.string(),
  deviceName: z.string().nullable(),
  userId: z.string(),
  isActive: z.boolean(),
  lastSyncAt: isoDateTime.nullable(),
  registeredAt: isoDateTime,
  revokedAt: isoDateTime.nullable(),
});
export type Device = z.infer<typeof deviceSchema>;

export const listDevicesResponseSchema = z.object({ devices: z.array(deviceSchema) });
export const deviceResponseSchema = z.object({ device: deviceSchema });
export const deviceParamsSchema = z.strictObject({ deviceId: deviceIdSchema });
