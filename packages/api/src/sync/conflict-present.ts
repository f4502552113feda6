import type { SyncConflict } from "@fieldsync/db";
import type { Conflict, ConflictEdit } from "@fieldsync/schema";
import type { ConflictRecord } from "@fieldsync/sync-core";
import { suggestFor } from "./conflict-choices.ts";
import { toConflict } from "./conflict-record.ts";
import type { Sql } from "./sql.ts";

/** A conflict row with the device (SyncClient id) and user whose push raised it. */
export type OwnedConflict = (SyncConflict | ConflictRecord) & { clientId: string | null; userId: string };

interface EditsRow {
  id: string;
  clientUserName: string | null;
  clientDeviceId: string | null;
  clientDeviceName: string | null;
  clientAt: Date;
  serverUserId: string | null;
  serverUserName: string | null;
  serverDeviceId: string | null;
  serverDeviceName: string | null;
  serverAt: Date | null;
}

/**
 * Conflicts as the API shows them, with who made each side's edit and when: the device's side from
 * its SyncQueue row (the change's own timestamp, found by changeId), the server's side from the
 * change-log row that wrote `serverVersion` (append-only, so it is there however old the conflict
 * is). Names only from the caller's organization. One statement for any number of conflicts, and
 * the per-field suggestions learned from the organization's past resolutions (conflict-choices.ts).
 */
export async function presentConflicts(sql: Sql, orgId: string, rows: readonly OwnedConflict[]): Promise<Conflict[]> {
  if (rows.length === 0) return [];
  const keys = rows.map((row) => ({
    id: row.id,
    entityType: row.entityType,
    entityId: row.entityId,
    serverVersion: row.serverVersion,
    clientId: row.clientId,
    userId: row.userId,
    changeId: row.changeId,
    createdAt: row.createdAt.toISOString(),
  }));
  const found = await sql.query<EditsRow>(
    `SELECT c."id",
       cu."name" AS "clientUserName", cc."deviceId" AS "clientDeviceId", cc."deviceName" AS "clientDeviceName",
       coalesce(q."clientTimestamp", c."createdAt") AS "clientAt",
       l."actor" AS "serverUserId", su."name" AS "serverUserName", sc."deviceId" AS "serverDeviceId", sc."deviceName" AS "serverDeviceName",
       l."createdAt" AS "serverAt"
     FROM jsonb_to_recordset($2::jsonb) AS c("id" text, "entityType" text, "entityId" text, "serverVersion" int, "clientId" text,
       "userId" text, "changeId" text, "createdAt" timestamp(3))
     LEFT JOIN "User" cu ON cu."id" = c."userId" AND cu."orgId" = $1
     LEFT JOIN "SyncClient" cc ON cc."id" = c."clientId" AND cc."orgId" = $1
     LEFT JOIN "SyncQueue" q ON q."clientId" = c."clientId" AND q."idempotencyKey" = 'c:' || c."changeId"
     LEFT JOIN LATERAL (
       SELECT "actor", "originClientId", "createdAt" FROM "ChangeLog"
       WHERE "orgId" = $1 AND "entityType" = c."entityType" AND "entityId" = c."entityId" AND "version" = c."serverVersion"
       ORDER BY "seq" DESC LIMIT 1
     ) l ON true
     LEFT JOIN "User" su ON su."id" = l."actor" AND su."orgId" = $1
     LEFT JOIN "SyncClient" sc ON sc."id" = l."originClientId" AND sc."orgId" = $1`,
    [orgId, JSON.stringify(keys)],
  );
  const suggestions = await suggestFor(sql, orgId, rows);
  const byId = new Map(found.map((edits) => [edits.id, edits]));
  return rows.map((row, i) => {
    const edits = byId.get(row.id);
    const clientEdit: ConflictEdit = {
      userId: row.userId,
      userName: edits?.clientUserName ?? null,
      deviceId: edits?.clientDeviceId ?? null,
      deviceName: edits?.clientDeviceName ?? null,
      at: (edits?.clientAt ?? row.createdAt).toISOString(),
    };
    const serverEdit: ConflictEdit | null = edits?.serverAt
      ? {
          userId: edits.serverUserId,
          userName: edits.serverUserName,
          deviceId: edits.serverDeviceId,
          deviceName: edits.serverDeviceName,
          at: edits.serverAt.toISOString(),
        }
      : null;
    return toConflict(row, clientEdit, serverEdit, suggestions[i]!);
  });
}
