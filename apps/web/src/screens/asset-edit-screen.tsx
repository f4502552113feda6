import { getEntity } from "@fieldsync/schema";
import { useState } from "react";
import { changedFields, formFields, fromFormValues, toFormValues, withoutNulls } from "../app/entity-forms.ts";
import { localEdit } from "../app/local-edit.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { href, navigateFrom } from "../app/use-route.ts";
import { EntityForm } from "../components/entity-form.tsx";

/** Create (no id) or edit an asset. Saving is local and instant; the sync follows. */
export function AssetEditScreen({ id }: { id?: string }) {
  const asset = useLiveQuery(async () => (id ? ((await store.get("asset", id)) ?? null) : null), [id]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  if (asset === undefined) return null;
  if (id && !asset?.data) return <p className="notice">This asset no longer exists.</p>;

  const specs = formFields.asset;
  const current = asset?.data ?? null;
  return (
    <section>
      <a href={id ? href({ name: "asset", id }) : href({ name: "assets" })} className="back">
        ← {id ? "Back" : "Assets"}
      </a>
      <h2>{id ? "Edit asset" : "New asset"}</h2>
      <EntityForm
        idPrefix="asset"
        specs={specs}
        initial={toFormValues(specs, current ?? getEntity("asset").defaults)}
        submitLabel={id ? "Save" : "Create asset"}
        errors={errors}
        onCancel={() => history.back()}
        onSubmit={async (values) => {
          const data = fromFormValues(specs, values);
          let createdId = id;
          const failed = await localEdit(async () => {
            if (id && current) await store.update("asset", id, changedFields(data, current));
            else createdId = await store.create("asset", withoutNulls(data));
          });
          if (failed) setErrors(failed);
          else navigateFrom(id ? { name: "asset-edit", id } : { name: "asset-new" }, { name: "asset", id: createdId! });
        }}
      />
    </section>
  );
}
