import type { BucketEntitiesBody, BucketEntitiesResponse, DigestsBody, DigestsResponse, FetchEntitiesBody, FetchEntitiesResponse } from "@fieldsync/schema";
import type { AuthUser, Deps } from "../context.ts";
import { type DigestScope, bucketDigests, bucketEntities, entitiesByRef } from "./digests.ts";
import { syncingDevice } from "./devices.ts";
import { planPull } from "./horizon.ts";

// POST /api/sync/digests, /api/sync/digests/entities and /api/sync/entities: a device verifying
// its replica sees exactly what its pulls would bring (its organization, its subscription).

async function deviceScope({ db, config }: Deps, user: AuthUser, deviceId: string): Promise<DigestScope> {
  const { plan } = await planPull(db, config.cursorSecret, user, deviceId, null);
  await syncingDevice(db, user, deviceId, config.maxDevicesPerUser);
  return { orgId: user.orgId, subscription: plan.subscription, types: plan.types };
}

export async function digests(deps: Deps, user: AuthUser, body: DigestsBody): Promise<DigestsResponse> {
  return { buckets: await bucketDigests(deps.db, await deviceScope(deps, user, body.deviceId), body.within) };
}

export async function listBuckets(deps: Deps, user: AuthUser, body: BucketEntitiesBody): Promise<BucketEntitiesResponse> {
  return { buckets: await bucketEntities(deps.db, await deviceScope(deps, user, body.deviceId), body.buckets) };
}

export async function fetchEntities(deps: Deps, user: AuthUser, body: FetchEntitiesBody): Promise<FetchEntitiesResponse> {
  return { changes: await entitiesByRef(deps.db, await deviceScope(deps, user, body.deviceId), body.refs) };
}
