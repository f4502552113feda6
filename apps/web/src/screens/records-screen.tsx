import { type EntityType, entityLabel } from "@fieldsync/schema";
import { timeAgo } from "../app/format.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useNow } from "../app/use-now.ts";
import { entityRoutes, href } from "../app/use-route.ts";
import { EntityList } from "../components/entity-list.tsx";

/** The entities of any type on this device (the asset list too): how fresh they are, and the list. */
export function RecordsScreen({ type }: { type: EntityType }) {
  const state = useLiveQuery(() => store.syncState(), []);
  const now = useNow();
  return (
    <section>
      <div className="screen-head">
        <h1>{entityLabel(type, true)}</h1>
        <a className="button primary" href={href(entityRoutes(type).create)}>
          New {entityLabel(type).toLowerCase()}
        </a>
      </div>
      <p className="muted" data-testid="freshness">
        {state?.lastSyncAt ? `Synced ${timeAgo(state.lastSyncAt, now)}` : "Not synced yet"} · shown from this device's storage
      </p>
      <EntityList key={type} type={type} />
    </section>
  );
}
