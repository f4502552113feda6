import { type EntityType, type FieldSpec, entityLabel, entityTitle } from "@fieldsync/schema";
import { type FormEvent, useEffect, useState } from "react";
import type { FormValues } from "../app/entity-forms.ts";
import { refreshOrgUsers, useOrgUsers } from "../app/org-users.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";

interface Props {
  specs: readonly FieldSpec[];
  initial: FormValues;
  submitLabel: string;
  onSubmit: (values: FormValues) => Promise<void>;
  onCancel?: () => void;
  /** Field errors from validation, by field name. */
  errors?: Record<string, string>;
  idPrefix: string;
}

export function EntityForm({ specs, initial, submitLabel, onSubmit, onCancel, errors = {}, idPrefix }: Props) {
  const [values, setValues] = useState(initial);
  const [busy, setBusy] = useState(false);
  const set = (name: string, value: string) => setValues((current) => ({ ...current, [name]: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onSubmit(values);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={submit}>
      {specs.map((spec) => {
        const id = `${idPrefix}-${spec.name}`;
        const value = values[spec.name] ?? "";
        return (
          <div className="field" key={spec.name}>
            <label htmlFor={id}>
              {spec.label}
              {spec.required ? " *" : ""}
            </label>
            {spec.kind === "textarea" ? (
              <textarea id={id} value={value} rows={3} onChange={(e) => set(spec.name, e.target.value)} />
            ) : spec.kind === "select" ? (
              <select id={id} value={value} onChange={(e) => set(spec.name, e.target.value)}>
                {spec.options?.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            ) : spec.references ? (
              <ReferencePicker id={id} type={spec.references} value={value} onChange={(next) => set(spec.name, next)} />
            ) : spec.kind === "user" ? (
              <UserPicker id={id} value={value} onChange={(next) => set(spec.name, next)} />
            ) : (
              <input
                id={id}
                type={spec.kind}
                value={value}
                required={spec.required}
                min={spec.min}
                max={spec.max}
                onChange={(e) => set(spec.name, e.target.value)}
              />
            )}
            {errors[spec.name] ? (
              <p className="field-error">{spec.references ? `Choose one of the ${entityLabel(spec.references, true).toLowerCase()}.` : errors[spec.name]}</p>
            ) : null}
          </div>
        );
      })}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** The entities of the referenced type on this device, by their titles. */
function ReferencePicker({ id, type, value, onChange }: { id: string; type: EntityType; value: string; onChange: (id: string) => void }) {
  const candidates = useLiveQuery(() => store.list(type), [type]);
  const titled = (candidates ?? [])
    .map((entity) => ({ id: entity.id, title: entityTitle(type, entity.data) ?? entity.id }))
    .sort((a, b) => a.title.localeCompare(b.title));
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose…</option>
      {titled.map((candidate) => (
        <option key={candidate.id} value={candidate.id}>
          {candidate.title}
        </option>
      ))}
    </select>
  );
}

/**
 * The organization's users as stored on this device (also offline), by name. A value the list
 * does not hold (a user who has left, or a list not fetched yet) stays selectable as it is.
 */
function UserPicker({ id, value, onChange }: { id: string; value: string; onChange: (id: string) => void }) {
  const users = useOrgUsers() ?? [];
  useEffect(() => void refreshOrgUsers(), []);
  const known = value === "" || users.some((user) => user.id === value);
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Nobody</option>
      {users.map((user) => (
        <option key={user.id} value={user.id}>
          {user.name}
        </option>
      ))}
      {known ? null : <option value={value}>Someone not in the list</option>}
    </select>
  );
}
