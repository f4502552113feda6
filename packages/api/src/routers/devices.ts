import {
  deviceParamsSchema,
  deviceResponseSchema,
  listDevicesResponseSchema,
  registerDeviceBodySchema,
  renameDeviceBodySchema,
  setSubscriptionBodySchema,
  subscriptionResponseSchema,
} from "@fieldsync/schema";
import { listDevices, registerDevice, renameDevice, revokeDevice, setSubscription, syncingDeviceErrors } from "../sync/devices.ts";
import { authedProcedure, deviceProcedure, router } from "../trpc.ts";

export const devicesRouter = router({
  list: authedProcedure.output(listDevicesResponseSchema).query(async ({ ctx }) => ({ devices: await listDevices(ctx.db, ctx.user) })),
  register: deviceProcedure
    .meta({ errors: syncingDeviceErrors })
    .input(registerDeviceBodySchema)
    .output(deviceResponseSchema)
    .mutation(async ({ ctx, input }) => ({
      device: await registerDevice(ctx.db, ctx.user, input.deviceId, ctx.config.maxDevicesPerUser, input.deviceName),
    })),
  revoke: authedProcedure
    .meta({ errors: ["NOT_FOUND"] })
    .input(deviceParamsSchema)
    .output(deviceResponseSchema)
    .mutation(async ({ ctx, input }) => ({ device: await revokeDevice(ctx.db, ctx.notifier, ctx.user, input.deviceId) })),
  rename: authedProcedure
    .meta({ errors: ["NOT_FOUND"] })
    .input(renameDeviceBodySchema)
    .output(deviceResponseSchema)
    .mutation(async ({ ctx, input }) => ({ device: await renameDevice(ctx.db, ctx.user, input.deviceId, input.label) })),
  subscribe: deviceProcedure
    .meta({ errors: syncingDeviceErrors })
    .input(setSubscriptionBodySchema)
    .output(subscriptionResponseSchema)
    .mutation(({ ctx, input }) => setSubscription(ctx.db, ctx.user, input.deviceId, ctx.config.maxDevicesPerUser, input.subscription)),
});
