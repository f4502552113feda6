import {
  type ConflictResolution,
  type ConflictSide,
  type EntityData,
  type EntityType,
  type FieldSuggestion,
  type NewerSide,
  type Role,
  entityLabel,
  fieldLabel,
} from "@fieldsync/schema";
import { sameJson } from "./canonical.ts";

// Suggestions learned from an organization's past resolutions, per conflicting field: which side
// people kept for this entity type and field, overall and under the same conditions (who made the
// client edit, which side was newer). Pure: the caller loads the counts and records new choices.

/** The circumstances of a conflict that past choices are grouped by. */
export interface ChoiceConditions {
  /** Role of the user whose device pushed the client side (a technician edits on site). */
  clientRole: Role;
  newer: NewerSide;
}

/** One cell of an organization's history: people kept `side` of `field` in `count` resolved conflicts. */
export interface ChoiceCount extends ChoiceConditions {
  entityType: EntityType;
  field: string;
  side: ConflictSide;
  count: number;
}

export interface LearnInput extends ChoiceConditions {
  entityType: EntityType;
  conflictingFields: readonly string[];
  /** The spec's rule answer for the whole conflict (suggestResolution). */
  rule: ConflictResolution;
}

export const learning = {
  /** Fewer past conflicts on a field than this are an anecdote, whatever their split: the rule answers. */
  minHistory: 5,
  /** z of a one-sided 95% bound: a side is learned only if its share is above one half with that confidence. */
  z: 1.645,
} as const;

/**
 * Wilson score lower bound of the share k/n: small samples are pulled toward one half, so 4 of 4
 * counts for less than 37 of 40. It never falls when an agreeing choice is added.
 */
export function shareLowerBound(kept: number, of: number, z: number = learning.z): number {
  // With nothing kept the bound is 0 exactly; the formula below leaves a rounding residue (~4e-19).
  if (of === 0 || kept === 0) return 0;
  const p = kept / of;
  const z2 = z * z;
  const centre = p + z2 / (2 * of);
  const margin = z * Math.sqrt((p * (1 - p)) / of + z2 / (4 * of * of));
  return Math.max(0, (centre - margin) / (1 + z2 / of));
}

interface Tally {
  basis: "conditions" | "field";
  side: ConflictSide;
  kept: number;
  of: number;
  confidence: number;
}

function tally(basis: Tally["basis"], counts: readonly ChoiceCount[]): Tally {
  let client = 0;
  let server = 0;
  for (const count of counts) {
    if (count.side === "client") client += count.count;
    else server += count.count;
  }
  // A tie goes to the server: keeping what is saved is the change that rewrites nothing.
  const side: ConflictSide = client > server ? "client" : "server";
  const kept = Math.max(client, server);
  return { basis, side, kept, of: client + server, confidence: shareLowerBound(kept, client + server) };
}

const clearEnough = (t: Tally) => t.of >= learning.minHistory && t.confidence > 0.5;

const sideWords = (side: ConflictSide, clientRole: Role | null) =>
  side === "server" ? "the saved value" : clientRole === "TECHNICIAN" ? "the on-site value" : "the device's value";

const conditionWords = ({ clientRole, newer }: ChoiceConditions) => {
  const who = clientRole === "TECHNICIAN" ? "a technician's edit" : "an admin's edit";
  const when = newer === "server" ? ", saved value newer" : newer === "client" ? ", device edit newer" : "";
  return ` (${who}${when})`;
};

function ruleWords(input: LearnInput): string {
  if (input.rule === "SERVER_WINS") return input.newer === "server" ? "the saved value is newer" : "saved values are kept by default";
  return "the device's edit is newer, and device edits are kept by default";
}

/** The rule's answer for one field: the side its whole-conflict resolution keeps. */
const ruleSide = (rule: ConflictResolution): ConflictSide => (rule === "CLIENT_WINS" ? "client" : "server");

/** The side a tally leans to, if any (a tie leans nowhere). */
const leaning = (t: Tally): ConflictSide | null => (t.of === 0 || t.kept * 2 === t.of ? null : t.side);

/**
 * Conflicts under the same conditions decide when they are clear; otherwise the field as a whole,
 * unless those same-condition conflicts lean the other way (a habit like "keep the newer edit"
 * shows only per condition). The evidence cited is the clearest level that agrees.
 */
function suggestField(history: readonly ChoiceCount[], input: LearnInput, field: string): FieldSuggestion {
  const onField = history.filter((c) => c.entityType === input.entityType && c.field === field);
  const byField = tally("field", onField);
  const byConditions = tally("conditions", onField.filter((c) => c.clientRole === input.clientRole && c.newer === input.newer));
  const where = `${entityLabel(input.entityType)} · ${fieldLabel(input.entityType, field)}`;
  const side = clearEnough(byConditions)
    ? byConditions.side
    : clearEnough(byField) && leaning(byConditions) !== (byField.side === "client" ? "server" : "client")
      ? byField.side
      : null;
  // Stable sort: on equal confidence the narrower level, which matches this conflict more closely.
  const best = [byConditions, byField].filter((t) => clearEnough(t) && t.side === side).sort((a, b) => b.confidence - a.confidence)[0];
  if (best) {
    const conditions = best.basis === "conditions" ? conditionWords(input) : "";
    const who = best.basis === "conditions" ? input.clientRole : null;
    return {
      field,
      side: best.side,
      source: "learned",
      kept: best.kept,
      of: best.of,
      basis: best.basis,
      confidence: best.confidence,
      reason: `Your team kept ${sideWords(best.side, who)} in ${best.kept} of ${best.of} past conflicts on ${where}${conditions}.`,
    };
  }
  const needed = `${learning.minHistory} needed to learn from`;
  const thin = byField.of === 0
    ? `No past conflicts on ${where} yet (${needed})`
    : byField.of < learning.minHistory
      ? `Only ${byField.of} past ${byField.of === 1 ? "conflict" : "conflicts"} on ${where} (${needed})`
      : clearEnough(byField)
        ? `Past choices on ${where} depend on the case: ${byField.kept} of ${byField.of} kept ${sideWords(byField.side, null)}, but not most like this one${conditionWords(input)}`
        : `Past choices on ${where} are split: ${byField.kept} of ${byField.of} kept ${sideWords(byField.side, null)}`;
  return {
    field,
    side: ruleSide(input.rule),
    source: "rule",
    kept: byField.kept,
    of: byField.of,
    basis: "rule",
    confidence: 0,
    reason: `${thin}. By the rules, ${ruleWords(input)}.`,
  };
}

/** One suggestion per conflicting field, in order. Deterministic; the order of `history` does not matter. */
export function learnedSuggestions(history: readonly ChoiceCount[], input: LearnInput): FieldSuggestion[] {
  return input.conflictingFields.map((field) => suggestField(history, input, field));
}

/**
 * What a resolution kept, per conflicting field: the side whose value the entity ends up with.
 * A field given a third value (typed in a MERGE), or a side that is gone (a delete), teaches nothing.
 */
export function keptSides(
  conflictingFields: readonly string[],
  sides: { client: EntityData | null; server: EntityData | null },
  result: EntityData | null,
): { field: string; side: ConflictSide }[] {
  if (!sides.client || !sides.server || !result) return [];
  const { client, server } = sides;
  return conflictingFields.flatMap((field): { field: string; side: ConflictSide }[] => {
    const value = result[field] ?? null;
    if (sameJson(value, client[field] ?? null)) return [{ field, side: "client" }];
    if (sameJson(value, server[field] ?? null)) return [{ field, side: "server" }];
    return [];
  });
}
