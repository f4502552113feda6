import { type EntityType, entityLabel, entityTitle, fieldSpecs, getEntity } from "@fieldsync/schema";
import { marksByEntity } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { entityRoutes, href } from "../app/use-route.ts";
import { FieldValue } from "../components/field-value.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";

/** The entities of any type on this device, by title; the next field as a hint below each. */
export function RecordsScreen({ type }: { type: EntityType }) {
  const entities = useLiveQuery(() => store.list(type), [type]);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const marks = marksByEntity(outbox ?? []);
  const routes = entityRoutes(type);
  const plural = entityLabel(type, true);
  const hint = fieldSpecs(type).find((spec) => spec.name !== getEntity(type).titleField);
  const titled = (entities ?? [])
    .map((entity) => ({ entity, title: entityTitle(type, entity.data) ?? entity.id }))
    .sort((a, b) => a.title.localeCompare(b.title));

  return (
    <section>
      <div className="screen-head">
        <h1>{plural}</h1>
        <a className="button primary" href={href(routes.create)}>
          New {entityLabel(type).toLowerCase()}
        </a>
      </div>
      {entities === undefined ? null : titled.length === 0 ? (
        <p className="muted">No {plural.toLowerCase()} yet.</p>
      ) : (
        <ul className="list" aria-label={plural}>
          {titled.map(({ entity, title }) => (
            <li key={entity.id}>
              <a href={href(routes.detail(entity.id))} className="row">
                <span className="row-main">
                  <strong>{title}</strong>
                  {hint ? (
                    <span className="muted">
                      {hint.label}: <FieldValue type={type} spec={hint} unlinked value={entity.data?.[hint.name]} />
                    </span>
                  ) : null}
                </span>
                <SyncBadge mark={marks.get(`${type}:${entity.id}`)} />
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
