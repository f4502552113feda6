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

/** A name chosen on the devices screen; null or blank clears it (back to the derived name). */
export const deviceLabelSchema = text(60).trim();

export const renameDeviceBodySchema = z.strictObject({
  deviceId: deviceIdSchema,
  label: deviceLabelSchema.nullable(),
});

export const deviceSchema = z.object({
  deviceId: z.string(),
  /** What the device reports itself to be ("Pixel 7"); null if it never said. */
  deviceName: z.string().nullable(),
  /** The name a person chose, if any. */
  label: z.string().nullable(),
  /** What to call the device: the label, or derived like "Theo's Pixel 7" (friendlyDeviceName). */
  name: z.string(),
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
