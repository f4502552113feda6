import { type EntityType, type FieldSpec, valueLabel } from "@fieldsync/schema";
import { formatDate } from "./format.ts";

/**
 * A field's value for people: enum values by their label, dates as dates (`precise`: with the
 * time, where two values of one day must not look alike), nothing as "—". References are shown
 * by the referenced entity's title (`FieldValue`), which takes a lookup.
 */
export function displayValue(type: EntityType, spec: FieldSpec, value: unknown, precise = false): string {
  if (value === null || value === undefined || value === "") return "—";
  if (spec.kind === "select") return valueLabel(type, spec.name, value);
  if (spec.kind === "date") return precise ? new Date(String(value)).toLocaleString() : formatDate(value);
  return String(value);
}
