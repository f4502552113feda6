import type { ConflictResolution, ConflictSide, EntityType, FieldSuggestion, Role } from "@fieldsync/schema";
import { getEntity } from "@fieldsync/schema";
import { type ChoiceConditions, type ChoiceCount, learnedSuggestions, newerSide } from "@fieldsync/sync-core";
import type { Sql } from "./sql.ts";

// The organization's resolution history as ConflictChoice counts: read for suggestions (one
// indexed query, at most 12 rows per conflicting field), incremented when a person resolves.

/** What a suggestion needs to know about a conflict, stored or just recorded. */
export interface SuggestSubject {
  entityType: EntityType;
  conflictingFields: readonly string[];
  suggestedResolution: ConflictResolution;
  /** Role of the user who pushed the client side. */
  clientRole: Role;
}

const conditionsOf = (subject: SuggestSubject): ChoiceConditions => ({
  clientRole: subject.clientRole,
  newer: newerSide(subject.suggestedResolution, getEntity(subject.entityType).conflictPolicy),
});

/** Per-field suggestions for each subject, in order, from one read of the organization's counts. */
export async function suggestFor(sql: Sql, orgId: string, subjects: readonly SuggestSubject[]): Promise<FieldSuggestion[][]> {
  const keys = subjects.flatMap((s) => s.conflictingFields.map((field) => [s.entityType, field] as const));
  const history = keys.length === 0 ? [] : await sql.query<ChoiceCount>(
    `SELECT c."entityType", c."field", c."clientRole", c."newer", c."side", c."count"
     FROM "ConflictChoice" c
     JOIN unnest($2::text[], $3::text[]) AS k("entityType", "field") USING ("entityType", "field")
     WHERE c."orgId" = $1`,
    [orgId, keys.map(([type]) => type), keys.map(([, field]) => field)],
  );
  return subjects.map((subject) => learnedSuggestions(history, {
    entityType: subject.entityType,
    conflictingFields: subject.conflictingFields,
    rule: subject.suggestedResolution,
    ...conditionsOf(subject),
  }));
}

/** Counts one person's choice per field, in the resolving transaction (so a rolled-back resolution teaches nothing). */
export async function recordChoices(sql: Sql, orgId: string, subject: SuggestSubject, kept: readonly { field: string; side: ConflictSide }[]) {
  if (kept.length === 0) return;
  const { clientRole, newer } = conditionsOf(subject);
  await sql.query(
    `INSERT INTO "ConflictChoice" ("orgId", "entityType", "field", "clientRole", "newer", "side", "count")
     SELECT $1, $2, k."field", $3::"Role", $4, k."side", 1 FROM unnest($5::text[], $6::text[]) AS k("field", "side")
     ON CONFLICT ("orgId", "entityType", "field", "clientRole", "newer", "side") DO UPDATE SET "count" = "ConflictChoice"."count" + 1`,
    [orgId, subject.entityType, clientRole, newer, kept.map((k) => k.field), kept.map((k) => k.side)],
  );
}
