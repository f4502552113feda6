import { type EntityType, entityLabel } from "@fieldsync/schema";
import { entityRoutes, href } from "../app/use-route.ts";
import { EntityList } from "../components/entity-list.tsx";
import { Freshness } from "../components/freshness.tsx";

/** The entities of any type on this device (the asset list too): how fresh they are, and the list. */
export function RecordsScreen({ type }: { type: EntityType }) {
  return (
    <section>
      <div className="screen-head">
        <h1>{entityLabel(type, true)}</h1>
        <a className="button primary" href={href(entityRoutes(type).create)}>
          New {entityLabel(type).toLowerCase()}
        </a>
      </div>
      <Freshness />
      <EntityList key={type} type={type} />
    </section>
  );
}
