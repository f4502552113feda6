import type { SyncConflict, Tx } from "@fieldsync/db";
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

/**
 * Stores conflicts recorded during a push in one statement (one Prisma create each cost a round
 * trip per stale change). jsonb_populate_recordset gives every column its own type's input (enums,
 * text[], timestamps; JSON null becomes SQL NULL, as Prisma's DbNull).
 */
export async function insertConflicts(tx: Tx, rows: readonly SyncConflict[]) {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "SyncConflict" ("id", "orgId", "clientId", "userId", "changeId", "entityType", "entityId", "operation", "clientVersion",
      "serverVersion", "clientData", "serverData", "baseData", "conflictingFields", "suggestedResolution", "resolution", "resolvedBy",
      "resolvedAt", "createdAt")
    SELECT r."id", r."orgId", r."clientId", r."userId", r."changeId", r."entityType", r."entityId", r."operation", r."clientVersion",
      r."serverVersion", r."clientData", r."serverData", r."baseData", r."conflictingFields", r."suggestedResolution", r."resolution",
      r."resolvedBy", r."resolvedAt", r."createdAt"
    FROM jsonb_populate_recordset(NULL::"SyncConflict", ${JSON.stringify(rows)}::jsonb) r`;
}
