import type { FieldOption } from "@fieldsync/schema";
import { useId } from "react";

interface ChoiceProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly FieldOption[];
  /** Without it, a first option "Any" (the empty value) keeps everything. */
  required?: boolean;
}

/** A labelled select; the label is tied by id so the select's name is the label alone. */
export function Choice({ label, value, onChange, options, required = false }: ChoiceProps) {
  const id = useId();
  return (
    <div className="choice">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {required ? null : <option value="">Any</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
