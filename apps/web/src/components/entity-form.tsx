import { type FormEvent, useState } from "react";
import type { FieldSpec, FormValues } from "../app/entity-forms.ts";
import { label } from "../app/format.ts";

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
                  <option key={option} value={option}>
                    {label(option)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type={spec.kind}
                value={value}
                required={spec.required}
                min={spec.kind === "number" ? 1 : undefined}
                onChange={(e) => set(spec.name, e.target.value)}
              />
            )}
            {errors[spec.name] ? <p className="field-error">{errors[spec.name]}</p> : null}
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
