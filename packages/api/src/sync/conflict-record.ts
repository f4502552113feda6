import type { SyncConflict } from "@fieldsync/db";
import type { Conflict, ConflictEdit, EntityData, EntityType, FieldSuggestion, SyncOperation } from "@fieldsync/schema";
import type { ConflictRecord } from "@fieldsync/sync-core";
import type { Sql } from "./sql.ts";

/** A stored conflict (or one recorded by this push) as the API shows it (see presentConflicts). */
export const toConflict = (
  row: SyncConflict | ConflictRecord,
  clientEdit: ConflictEdit,
  serverEdit: ConflictEdit | null,
  fieldSuggestions: FieldSuggestion[],
): Conflict => ({
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
  deviceId: clientEdit.deviceId,
  changeId: row.changeId,
  createdAt: row.createdAt.toISOString(),
  fieldSuggestions,
  clientEdit,
  serverEdit,
});

/**
 * Stores conflicts recorded during a push in one statement. jsonb_populate_recordset gives every
 * column its own type's input (enums, text[], timestamps; JSON null becomes SQL NULL).
 */
export async function insertConflicts(sql: Sql, owner: { orgId: string; clientId: string; userId: string }, rows: readonly ConflictRecord[]) {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO "SyncConflict" ("id", "orgId", "clientId", "userId", "changeId", "entityType", "entityId", "operation", "clientVersion",
       "serverVersion", "clientData", "serverData", "baseData", "conflictingFields", "suggestedResolution", "resolution", "resolvedBy",
       "resolvedAt", "createdAt")
     SELECT r."id", $1, $2, $3, r."changeId", r."entityType", r."entityId", r."operation", r."clientVersion",
       r."serverVersion", r."clientData", r."serverData", r."baseData", r."conflictingFields", r."suggestedResolution", r."resolution",
       r."resolvedBy", r."resolvedAt", r."createdAt"
     FROM jsonb_populate_recordset(NULL::"SyncConflict", $4::jsonb) r`,
    [owner.orgId, owner.clientId, owner.userId, JSON.stringify(rows)],
  );
}
