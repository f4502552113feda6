import {
  bucketEntitiesBodySchema,
  bucketEntitiesResponseSchema,
  digestsBodySchema,
  digestsResponseSchema,
  fetchEntitiesBodySchema,
  fetchEntitiesResponseSchema,
} from "@fieldsync/schema";
import { syncingDeviceErrors } from "../sync/devices.ts";
import { digests, fetchEntities, listBuckets } from "../sync/verify.ts";
import { deviceProcedure, router } from "../trpc.ts";

/** Replica verification and repair (docs/reliability.md): counted like syncs by the rate limit. */
const verifyErrors = [...syncingDeviceErrors, "RATE_LIMITED"] as const;

export const verifyRouter = router({
  digests: deviceProcedure
    .meta({ errors: verifyErrors })
    .input(digestsBodySchema)
    .output(digestsResponseSchema)
    .mutation(({ ctx, input }) => digests(ctx, ctx.user, input)),
  buckets: deviceProcedure
    .meta({ errors: verifyErrors })
    .input(bucketEntitiesBodySchema)
    .output(bucketEntitiesResponseSchema)
    .mutation(({ ctx, input }) => listBuckets(ctx, ctx.user, input)),
  entities: deviceProcedure
    .meta({ errors: verifyErrors })
    .input(fetchEntitiesBodySchema)
    .output(fetchEntitiesResponseSchema)
    .mutation(({ ctx, input }) => fetchEntities(ctx, ctx.user, input)),
});
