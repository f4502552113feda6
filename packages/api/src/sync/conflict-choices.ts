import type { ConflictResolution, ConflictSide, EntityType, FieldSuggestion, Role } from "@fieldsync/schema";
import { getEntity } from "@fieldsync/schema";
import { type ChoiceCount, learnedSuggestions, newerSide } from "@fieldsync/sync-core";
import type { Sql } from "./sql.ts";

// The organization's resolution history as ConflictChoice counts: read for suggestions (one
// indexed query, at most 12 rows per conflicting field), incremented when a person resolves.

/** What a suggestion needs to know about a conflict, stored (SyncConflict) or just recorded by a push. */
export interface SuggestSubject {
  entityType: string;
  conflictingFields: readonly string[];
  suggestedResolution: ConflictResolution;
  /** The user whose push raised it: their role is one of the conditions choices are counted under. */
  userId: string;
}

const newerOf = (subject: SuggestSubject) =>
  newerSide(subject.suggestedResolution, getEntity(subject.entityType as EntityType).conflictPolicy);

/** Per-field suggestions for each subject, in order: the pushers' roles and the counts, two indexed reads. */
export async function suggestFor(sql: Sql, orgId: string, subjects: readonly SuggestSubject[]): Promise<FieldSuggestion[][]> {
  const keys = subjects.flatMap((s) => s.conflictingFields.map((field) => [s.entityType, field] as const));
  if (keys.length === 0) return subjects.map(() => []);
  const users = await sql.query<{ id: string; role: Role }>(
    `SELECT "id", "role" FROM "User" WHERE "orgId" = $1 AND "id" = ANY($2::text[])`,
    [orgId, [...new Set(subjects.map((s) => s.userId))]],
  );
  const history = await sql.query<ChoiceCount>(
    `SELECT c."entityType", c."field", c."clientRole", c."newer", c."side", c."count"
     FROM "ConflictChoice" c
     JOIN (SELECT DISTINCT * FROM unnest($2::text[], $3::text[])) AS k("entityType", "field") USING ("entityType", "field")
     WHERE c."orgId" = $1`,
    [orgId, keys.map(([type]) => type), keys.map(([, field]) => field)],
  );
  const roleOf = new Map(users.map((u) => [u.id, u.role]));
  return subjects.map((subject) => learnedSuggestions(history, {
    entityType: subject.entityType as EntityType,
    conflictingFields: subject.conflictingFields,
    rule: subject.suggestedResolution,
    // Users are deactivated, never deleted; a pusher not found counts as the usual one, a technician.
    clientRole: roleOf.get(subject.userId) ?? "TECHNICIAN",
    newer: newerOf(subject),
  }));
}

/** Counts one person's choice per field, in the resolving transaction (so a rolled-back resolution teaches nothing). */
export async function recordChoices(sql: Sql, orgId: string, subject: SuggestSubject, kept: readonly { field: string; side: ConflictSide }[]) {
  if (kept.length === 0) return;
  await sql.query(
    `INSERT INTO "ConflictChoice" ("orgId", "entityType", "field", "clientRole", "newer", "side", "count")
     SELECT $1, $2, k."field", u."role", $4, k."side", 1
     FROM unnest($5::text[], $6::text[]) AS k("field", "side") JOIN "User" u ON u."id" = $3 AND u."orgId" = $1
     ON CONFLICT ("orgId", "entityType", "field", "clientRole", "newer", "side") DO UPDATE SET "count" = "ConflictChoice"."count" + 1`,
    [orgId, subject.entityType, subject.userId, newerOf(subject), kept.map((k) => k.field), kept.map((k) => k.side)],
  );
}
