import type { Conflict, ConflictEdit, ConflictResolution, EntityData, FieldSpec, FieldSuggestion } from "@fieldsync/schema";
import { fieldSpecs, getEntity } from "@fieldsync/schema";

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

const sideOf = (resolution: "CLIENT_WINS" | "SERVER_WINS"): Side => (resolution === "CLIENT_WINS" ? "client" : "server");

/**
 * The side each conflicting field starts at, so that the preselected values are what the primary
 * action does: SERVER_WINS → the server's values, CLIENT_WINS → the device's; MERGE (or MANUAL) →
 * per field, the field's own suggestion (learned from the team, or the rule: `fieldSuggestions`),
 * else the entity type's conflict policy (the rule for "both changed it and timestamps do not decide").
 */
export function suggestedChoices(conflict: Conflict): Record<string, Side> {
  const fieldHints = Object.fromEntries(conflict.fieldSuggestions.map((s) => [s.field, s.side]));
  const suggestion = conflict.suggestedResolution;
  const fallback = sideOf(getEntity(conflict.entityType).conflictPolicy.preference);
  return Object.fromEntries(
    conflict.conflictingFields.map((field) => [
      field,
      suggestion === "CLIENT_WINS" || suggestion === "SERVER_WINS" ? sideOf(suggestion) : (fieldHints[field] ?? fallback),
    ]),
  );
}

/**
 * The action the primary button takes: the suggestion while the choices are still the suggested
 * ones; once the user picks another value for some field, merging what they picked. A conflict
 * with a deleted side cannot merge: then the suggestion, or the policy's side.
 */
export function primaryAction(conflict: Conflict, choices: Readonly<Record<string, Side>>): Exclude<ConflictResolution, "MANUAL"> {
  const suggestion = conflict.suggestedResolution;
  if (!canMerge(conflict)) return suggestion === "CLIENT_WINS" || suggestion === "SERVER_WINS" ? suggestion : getEntity(conflict.entityType).conflictPolicy.preference;
  const suggested = suggestedChoices(conflict);
  const asSuggested = conflict.conflictingFields.every((field) => (choices[field] ?? suggested[field]) === suggested[field]);
  return asSuggested && suggestion !== "MANUAL" ? suggestion : "MERGE";
}

/**
 * MERGE's `mergedData`: the chosen side's value for each conflicting field (server if none).
 * Fields left out are merged three-way by the server, so each side's other edits survive.
 */
export function mergedData(conflict: Conflict, choices: Readonly<Record<string, Side>>): EntityData {
  return Object.fromEntries(
    conflict.conflictingFields.map((field) => {
      const side = choices[field] ?? "server";
      const source = side === "client" ? conflict.clientData : conflict.serverData;
      return [field, source?.[field] ?? null];
    }),
  );
}

/** Who made a side's edit, seen by the signed-in user: themselves, someone by name, or nobody known (the server). */
type Owner = { kind: "you" } | { kind: "person"; name: string } | { kind: "server" };

const editOf = (conflict: Conflict, side: Side): ConflictEdit | null => (side === "client" ? conflict.clientEdit : conflict.serverEdit);

function ownerOf(edit: ConflictEdit | null, viewerId: string): Owner {
  if (edit?.userId && edit.userId === viewerId) return { kind: "you" };
  if (edit?.userName) return { kind: "person", name: edit.userName };
  return { kind: "server" };
}

const possessive = (name: string) => (name.endsWith("s") ? `${name}'` : `${name}'s`);

/** Where an edit came from, to tell two edits of one person apart: the device's name, or "the server" for a resolution. */
const origin = (edit: ConflictEdit | null) => edit?.deviceName ?? edit?.deviceId ?? "the server";

/**
 * The words for one side of a conflict, for the signed-in user (`viewerId`): an admin sees whose
 * edit each side is; a technician sees "Your edit" beside the other person's. When both sides are
 * the same person's (two devices of theirs), the devices tell them apart.
 */
export interface SideWords {
  /** Column heading: "Your edit", "Theo Technician's edit", "Server's version". */
  heading: string;
  /** Who, for the line under the heading: "You", "Theo Technician", "Nobody known (server)". */
  who: string;
  /** The device or "the server"; null when the other side is someone else's (no need to say). */
  where: string | null;
  /** Button text keeping this side: "Keep mine", "Keep Theo Technician's", "Keep the server's". */
  keep: string;
  /** When the edit was made (ISO), if known. */
  at: string | null;
}

export function sideWords(conflict: Conflict, side: Side, viewerId: string): SideWords {
  const edit = editOf(conflict, side);
  const owner = ownerOf(edit, viewerId);
  const other = ownerOf(editOf(conflict, side === "client" ? "server" : "client"), viewerId);
  const samePerson = owner.kind === other.kind && (owner.kind !== "person" || (other.kind === "person" && owner.name === other.name));
  const where = samePerson && owner.kind !== "server" ? origin(edit) : null;
  const suffix = where ? ` (${where})` : "";
  switch (owner.kind) {
    case "you":
      return { heading: `Your edit${suffix}`, who: "You", where, keep: `Keep mine${suffix}`, at: edit?.at ?? null };
    case "person":
      return { heading: `${possessive(owner.name)} edit${suffix}`, who: owner.name, where, keep: `Keep ${possessive(owner.name)}${suffix}`, at: edit?.at ?? null };
    case "server":
      return { heading: "Server's version", who: "The server", where: null, keep: "Keep the server's", at: edit?.at ?? null };
  }
}

/** The primary or secondary button text for a resolution. */
export function actionLabel(conflict: Conflict, resolution: ConflictResolution, viewerId: string): string {
  switch (resolution) {
    case "CLIENT_WINS":
      return sideWords(conflict, "client", viewerId).keep;
    case "SERVER_WINS":
      return sideWords(conflict, "server", viewerId).keep;
    case "MERGE":
      return conflict.conflictingFields.length ? "Merge selected fields" : "Keep both edits";
    case "MANUAL":
      return "Leave for later";
  }
}

/**
 * Why the rules suggest what they do, in words (sync-core's suggestResolution: the newer edit
 * wins, disjoint edits merge, else the type's policy). A reason the server sends with the
 * conflict takes its place where there is one.
 */
export function suggestionReason(conflict: Conflict, viewerId: string): string {
  const client = sideWords(conflict, "client", viewerId);
  const server = sideWords(conflict, "server", viewerId);
  const newer = client.at && server.at ? (Date.parse(server.at) > Date.parse(client.at) ? server : client) : null;
  switch (conflict.suggestedResolution) {
    case "MERGE":
      return "The edits change different fields, so both can be kept.";
    case "MANUAL":
      return "No rule decides this one.";
    default: {
      const kept = conflict.suggestedResolution === "CLIENT_WINS" ? client : server;
      return newer === kept ? `${kept.heading} is the newer one.` : `${kept.heading} is kept by default for ${getEntity(conflict.entityType).pluralLabel.toLowerCase()}.`;
    }
  }
}
