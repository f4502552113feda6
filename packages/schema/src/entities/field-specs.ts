import { z } from "zod";
import { type EntityType, entityRegistry, entityTypes, getEntity } from "../registry.ts";

// What a form, a list or the conflict view needs to know about each synced field, derived from
// the registry: labels from its `fields`, the input from the field's zod type. A new entity type
// gets working forms and screens from its registry entry alone.

/** Text longer than this is edited in a multi-line box. */
const singleLineMax = 500;

export type FieldKind = "text" | "textarea" | "number" | "date" | "select" | "reference" | "user";

export interface FieldOption {
  value: string;
  label: string;
}

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  /** A CREATE must carry it (not optional in the schema). */
  required: boolean;
  /** `select`: the enum's values with their labels, in schema order. */
  options?: FieldOption[];
  /** `reference`: the entity type whose id the field holds. */
  references?: EntityType;
  /** `number`: the schema's bounds. */
  min?: number;
  max?: number;
}

const unwrap = (schema: z.ZodType): z.ZodType =>
  schema instanceof z.ZodOptional || schema instanceof z.ZodNullable ? unwrap(schema.unwrap() as z.ZodType) : schema;

const fieldLabels = (type: EntityType) =>
  getEntity(type).fields as Record<string, { label: string; values?: Record<string, string> }>;

const isEntityType = (value: string | undefined): value is EntityType => entityTypes.includes(value as EntityType);

/**
 * References to entities and users first (their zod type is a plain uuid), then by zod type.
 * Booleans and other types have no input of their own yet: they are edited as text, which the
 * schema then checks.
 */
function describe(type: EntityType, name: string, schema: z.ZodType): Pick<FieldSpec, "kind" | "options" | "references" | "min" | "max"> {
  const references = (getEntity(type).references as Record<string, string | undefined>)[name];
  if (isEntityType(references)) return { kind: "reference", references };
  if (getEntity(type).userFields?.includes(name)) return { kind: "user" };
  const inner = unwrap(schema);
  if (inner instanceof z.ZodEnum) {
    return { kind: "select", options: inner.options.map((value) => ({ value: String(value), label: valueLabel(type, name, value) })) };
  }
  if (inner instanceof z.ZodISODateTime) return { kind: "date" };
  if (inner instanceof z.ZodNumber) {
    return { kind: "number", ...(inner.minValue !== null && { min: inner.minValue }), ...(inner.maxValue !== null && { max: inner.maxValue }) };
  }
  if (inner instanceof z.ZodString && (inner.maxLength ?? Infinity) > singleLineMax) return { kind: "textarea" };
  return { kind: "text" };
}

/** A field's label; a name the registry does not know is shown as it is. */
export const fieldLabel = (type: EntityType, field: string): string => fieldLabels(type)[field]?.label ?? field;

/** An enum value in words ("In progress"); other values as they are. */
export const valueLabel = (type: EntityType, field: string, value: unknown): string =>
  fieldLabels(type)[field]?.values?.[String(value)] ?? String(value);

/** The type in words: "Asset", or "Assets" for `many`. */
export const entityLabel = (type: EntityType, many = false): string => {
  const entity = entityRegistry[type];
  return many ? entity.pluralLabel : entity.label;
};

/** The name of one entity (its title field), or null when it has none. */
export const entityTitle = (type: EntityType, data: Record<string, unknown> | null | undefined): string | null => {
  const title = data?.[getEntity(type).titleField];
  return title === null || title === undefined || title === "" ? null : String(title);
};

const specsByType = new Map<EntityType, FieldSpec[]>();

/** Every synced field of a type, in schema order (derived once per type). */
export function fieldSpecs(type: EntityType): FieldSpec[] {
  const known = specsByType.get(type);
  if (known) return known;
  const shape = getEntity(type).schema.shape as Record<string, z.ZodType>;
  const specs = Object.entries(shape).map(([name, schema]): FieldSpec => ({
    name,
    label: fieldLabel(type, name),
    required: !schema.isOptional(),
    ...describe(type, name, schema),
  }));
  specsByType.set(type, specs);
  return specs;
}

/**
 * A field's description for API documents: the label, each enum value's meaning, the referenced
 * type ("Status. OPEN: Open; DONE: Done").
 */
export function fieldDescription(type: EntityType, field: string): string {
  const spec = fieldSpecs(type).find((candidate) => candidate.name === field);
  if (!spec) return field;
  if (spec.options) return `${spec.label}. ${spec.options.map((option) => `${option.value}: ${option.label}`).join("; ")}`;
  if (spec.references) return `${spec.label}: the id of ${article(entityLabel(spec.references))}.`;
  if (spec.kind === "user") return `${spec.label}: the id of a user of the same organization (GET /api/users), or null.`;
  return spec.label;
}

const article = (noun: string) => `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun.toLowerCase()}`;
