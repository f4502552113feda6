import {
  deviceParamsSchema,
  deviceResponseSchema,
  listDevicesResponseSchema,
  registerDeviceBodySchema,
  setSubscriptionBodySchema,
  subscriptionResponseSchema,
} from "@fieldsync/schema";
import { listDevices, registerDevice, revokeDevice, setSubscription, syncingDeviceErrors } from "../sync/devices.ts";
import { authedProcedure, router } from "../trpc.ts";

export const devicesRouter = router({
  list: authedProcedure.output(listDevicesResponseSchema).query(async ({ ctx }) => ({ devices: await listDevices(ctx.db, ctx.user) })),
  register: authedProcedure
    .meta({ errors: ["DEVICE_OWNED_BY_ANOTHER_USER"] })
    .input(registerDeviceBodySchema)
    .output(deviceResponseSchema)
    .mutation(async ({ ctx, input }) => ({ device: await registerDevice(ctx.db, ctx.user, input.deviceId, input.deviceName) })),
  revoke: authedProcedure
    .meta({ errors: ["NOT_FOUND"] })
    .input(deviceParamsSchema)
    .output(deviceResponseSchema)
    .mutation(async ({ ctx, input }) => ({ device: await revokeDevice(ctx.db, ctx.user, input.deviceId) })),
  subscribe: authedProcedure
    .meta({ errors: syncingDeviceErrors })
    .input(setSubscriptionBodySchema)
    .output(subscriptionResponseSchema)
    .mutation(({ ctx, input }) => setSubscription(ctx.db, ctx.user, input.deviceId, input.subscription)),
});
