// Sync changes as a device builds them, for pushes in tests.
import { randomUUID } from "node:crypto";
import type { SyncChangeInput } from "@fieldsync/schema";

export const now = () => new Date().toISOString();

export const create = (entityId: string, payload: Record<string, unknown>, type: SyncChangeInput["entityType"] = "asset"): SyncChangeInput => ({
  changeId: randomUUID(),
  entityType: type,
  entityId,
  operation: "CREATE",
  payload,
  clientVersion: 0,
  timestamp: now(),
});

export const update = (entityId: string, clientVersion: number, payload: Record<string, unknown>, type: SyncChangeInput["entityType"] = "asset"): SyncChangeInput => ({
  changeId: randomUUID(),
  entityType: type,
  entityId,
  operation: "UPDATE",
  payload,
  clientVersion,
  timestamp: now(),
});

export const remove = (entityId: string, clientVersion: number, type: SyncChangeInput["entityType"] = "asset"): SyncChangeInput => ({
  changeId: randomUUID(),
  entityType: type,
  entityId,
  operation: "DELETE",
  payload: {},
  clientVersion,
  timestamp: now(),
});
