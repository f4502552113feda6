import type { SyncConflict } from "@fieldsync/db";
import type { Conflict, EntityData, EntityType, SyncOperation } from "@fieldsync/schema";

export const toConflict = (row: SyncConflict, deviceId: string | null): Conflict => ({
  entityType: row.entityType as EntityType,
  entityId: row.entityId,
  clientVersion: row.clientVersion,
  serverVersion: row.serverVersion,
  clientData: row.clientData as EntityData | null,
  serverData: row.serverData as EntityData | null,
  suggestedResolution: row.suggestedResolution,
  id: row.id,
  operation: row.operation as SyncOperation,
  baseData: row.baseData as EntityData | null,
  conflictingFields: row.conflictingFields,
  resolution: row.resolution,
  resolvedBy: row.resolvedBy,
  resolvedAt: row.resolvedAt?.toISOString() ?? null,
  deviceId,
  changeId: row.changeId,
  createdAt: row.createdAt.toISOString(),
});
