import type { EntityData, EntityType } from "@fieldsync/schema";

export interface FieldSpec {
  name: string;
  label: string;
  kind: "text" | "textarea" | "select" | "date" | "number";
  required?: boolean;
  options?: readonly string[];
}

/** The editable fields of each entity type, in form order (asset/task ids are set by the app). */
export const formFields = {
  asset: [
    { name: "name", label: "Name", kind: "text", required: true },
    { name: "serialNumber", label: "Serial number", kind: "text" },
    { name: "location", label: "Location", kind: "text" },
    { name: "status", label: "Status", kind: "select", options: ["OPERATIONAL", "MAINTENANCE", "RETIRED"] },
    { name: "notes", label: "Notes", kind: "textarea" },
  ],
  task: [
    { name: "title", label: "Title", kind: "text", required: true },
    { name: "status", label: "Status", kind: "select", options: ["OPEN", "IN_PROGRESS", "DONE"] },
    { name: "priority", label: "Priority", kind: "select", options: ["LOW", "NORMAL", "HIGH", "URGENT"] },
    { name: "dueAt", label: "Due", kind: "date" },
    { name: "notes", label: "Notes", kind: "textarea" },
  ],
  schedule: [
    { name: "title", label: "Title", kind: "text", required: true },
    { name: "intervalDays", label: "Every (days)", kind: "number", required: true },
    { name: "nextDueAt", label: "Next due", kind: "date", required: true },
    { name: "notes", label: "Notes", kind: "textarea" },
  ],
} satisfies Record<EntityType, FieldSpec[]>;

export type FormValues = Record<string, string>;

/** Entity data → the strings form inputs hold (dates as YYYY-MM-DD). */
export function toFormValues(specs: readonly FieldSpec[], data: EntityData | null | undefined): FormValues {
  return Object.fromEntries(
    specs.map((spec) => {
      const value = data?.[spec.name];
      if (value === null || value === undefined) return [spec.name, spec.kind === "select" ? (spec.options?.[0] ?? "") : ""];
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
