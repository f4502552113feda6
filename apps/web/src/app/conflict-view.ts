import type { Conflict, EntityData, FieldSpec, FieldSuggestion } from "@fieldsync/schema";
import { fieldSpecs } from "@fieldsync/schema";

export type Side = "client" | "server";

export interface ConflictRow {
  field: string;
  /** The field as the registry describes it: label, and how to show its values. */
  spec: FieldSpec;
  base: unknown;
  client: unknown;
  server: unknown;
  /** Both sides changed it differently: the user must pick one. */
  conflicting: boolean;
  /** For a conflicting field: which side to keep and why in words (learned from the team, or the rule). */
  suggestion: FieldSuggestion | null;
}

/** Every field of the entity, side by side; conflicting ones flagged. */
export function conflictRows(conflict: Conflict): ConflictRow[] {
  return fieldSpecs(conflict.entityType).map((spec) => ({
    field: spec.name,
    spec,
    base: conflict.baseData?.[spec.name] ?? null,
    client: conflict.clientData?.[spec.name] ?? null,
    server: conflict.serverData?.[spec.name] ?? null,
    conflicting: conflict.conflictingFields.includes(spec.name),
    suggestion: conflict.fieldSuggestions.find((s) => s.field === spec.name) ?? null,
  }));
}

/** Both sides still exist, so fields can be merged (not so when one side deleted the entity). */
export const canMerge = (conflict: Conflict) => conflict.clientData !== null && conflict.serverData !== null;

/**
 * MERGE's `mergedData`: the chosen side's value for each conflicting field (server by default).
 * Fields left out are merged three-way by the server, so each side's other edits survive.
 */
export function mergedData(conflict: Conflict, choices: Record<string, Side>): EntityData {
  return Object.fromEntries(
    conflict.conflictingFields.map((field) => {
      const side = choices[field] ?? "server";
      const source = side === "client" ? conflict.clientData : conflict.serverData;
      return [field, source?.[field] ?? null];
    }),
  );
}
