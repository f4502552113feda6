import { type EntityType, entityLabel, getEntity } from "@fieldsync/schema";
import { useState } from "react";
import { changedFields, formFields, fromFormValues, toFormValues, withoutNulls } from "../app/entity-forms.ts";
import { localEdit } from "../app/local-edit.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { entityRoutes, href, navigateFrom } from "../app/use-route.ts";
import { EntityForm } from "../components/entity-form.tsx";

/** Create (no id) or edit an entity of any type. Saving is local and instant; the sync follows. */
export function EntityEditScreen({ type, id }: { type: EntityType; id?: string }) {
  const entity = useLiveQuery(async () => (id ? ((await store.get(type, id)) ?? null) : null), [type, id]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const routes = entityRoutes(type);
  const noun = entityLabel(type).toLowerCase();
  if (entity === undefined) return null;
  if (id && !entity?.data) return <p className="notice">This {noun} no longer exists.</p>;

  const specs = formFields(type);
  const current = entity?.data ?? null;
  return (
    <section>
      <a href={href(id ? routes.detail(id) : routes.list)} className="back">
        ← {id ? "Back" : entityLabel(type, true)}
      </a>
      <h1>{id ? `Edit ${noun}` : `New ${noun}`}</h1>
      <EntityForm
        // A new form per type and entity: the inputs start from that entity's values.
        key={`${type}:${id ?? "new"}`}
        idPrefix={type}
        specs={specs}
        initial={toFormValues(specs, current ?? getEntity(type).defaults)}
        submitLabel={id ? "Save" : `Create ${noun}`}
        errors={errors}
        onCancel={() => history.back()}
        onSubmit={async (values) => {
          const data = fromFormValues(specs, values);
          let createdId = id;
          const failed = await localEdit(async () => {
            if (id && current) await store.update(type, id, changedFields(data, current));
            else createdId = await store.create(type, withoutNulls(data));
          });
          if (failed) setErrors(failed);
          else navigateFrom(id ? routes.edit(id) : routes.create, routes.detail(createdId!));
        }}
      />
    </section>
  );
}
