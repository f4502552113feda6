import { type EntityData, type EntityType, type FieldSpec, fieldSpecs } from "@fieldsync/schema";

/**
 * The fields a form edits, in schema order: every synced field of the type (from the registry)
 * but those the screen sets itself, such as the parent's id on a task added under its asset.
 */
export const formFields = (type: EntityType, setByScreen: readonly string[] = []): FieldSpec[] =>
  fieldSpecs(type).filter((spec) => !setByScreen.includes(spec.name));

export type FormValues = Record<string, string>;

/** Entity data → the strings form inputs hold (dates as YYYY-MM-DD; an empty select its first option). */
export function toFormValues(specs: readonly FieldSpec[], data: EntityData | null | undefined): FormValues {
  return Object.fromEntries(
    specs.map((spec) => {
      const value = data?.[spec.name];
      if (value === null || value === undefined) return [spec.name, spec.kind === "select" ? (spec.options?.[0]?.value ?? "") : ""];
      if (spec.kind === "date") return [spec.name, String(value).slice(0, 10)];
      return [spec.name, String(value)];
    }),
  );
}

/** Form strings → entity fields: empty optional fields become null, dates midnight UTC, numbers numbers. */
export function fromFormValues(specs: readonly FieldSpec[], values: FormValues): EntityData {
  return Object.fromEntries(
    specs.map((spec) => {
      const raw = (values[spec.name] ?? "").trim();
      if (raw === "") return [spec.name, spec.required ? "" : null];
      if (spec.kind === "number") return [spec.name, Number(raw)];
      if (spec.kind === "date") return [spec.name, `${raw}T00:00:00.000Z`];
      return [spec.name, raw];
    }),
  );
}

/** Only the fields whose value differs from `current` (an UPDATE carries changed fields only). */
export function changedFields(next: EntityData, current: EntityData): EntityData {
  return Object.fromEntries(
    Object.entries(next).filter(([field, value]) => JSON.stringify(value ?? null) !== JSON.stringify(current[field] ?? null)),
  );
}

/** For CREATE: drops nulls so schema defaults apply. */
export const withoutNulls = (data: EntityData): EntityData =>
  Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null));
