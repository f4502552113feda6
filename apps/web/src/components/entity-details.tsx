import { type EntityType, fieldSpecs, getEntity } from "@fieldsync/schema";
import type { LocalEntity } from "@fieldsync/sync-client";
import { FieldValue } from "./field-value.tsx";

/** Every field but the title (the screen's heading), labelled from the registry, and the version. */
export function EntityDetails({ type, entity }: { type: EntityType; entity: LocalEntity }) {
  const titleField = getEntity(type).titleField;
  return (
    <dl className="details">
      {fieldSpecs(type)
        .filter((spec) => spec.name !== titleField)
        .map((spec) => (
          <div key={spec.name}>
            <dt>{spec.label}</dt>
            <dd>
              <FieldValue type={type} spec={spec} value={entity.data?.[spec.name]} />
            </dd>
          </div>
        ))}
      <div>
        <dt>Version</dt>
        <dd>{entity.version === 0 ? "not on the server yet" : entity.version}</dd>
      </div>
    </dl>
  );
}
