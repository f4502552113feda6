import { type EntityType, entityLabel, entityTitle } from "@fieldsync/schema";
import { type ReactNode, useState } from "react";
import { localEdit } from "../app/local-edit.ts";
import { conflictIdsByEntity, marksByEntity } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { entityRoutes, href, navigateFrom } from "../app/use-route.ts";
import { EntityDetails } from "../components/entity-details.tsx";
import { SyncBadge } from "../components/sync-badge.tsx";

/**
 * One entity of any type: its fields as the registry labels them, edit and delete. `children`
 * follow below (an asset's tasks and schedules).
 */
export function RecordScreen({ type, id, children }: { type: EntityType; id: string; children?: ReactNode }) {
  // null: not on this device.
  const entity = useLiveQuery(async () => (await store.get(type, id)) ?? null, [type, id]);
  const outbox = useLiveQuery(() => store.outbox(), []);
  const [confirming, setConfirming] = useState(false);
  const routes = entityRoutes(type);
  const noun = entityLabel(type).toLowerCase();

  if (entity === undefined) return null;
  if (!entity?.data) {
    return (
      <section>
        <p className="notice">
          This {noun} was deleted{entity?.pending ? " here; the deletion is waiting to sync" : ""}.
        </p>
        <a href={href(routes.list)}>Back to {entityLabel(type, true).toLowerCase()}</a>
      </section>
    );
  }
  const remove = async () => {
    await localEdit(() => store.remove(type, id));
    navigateFrom(routes.detail(id), routes.list);
  };

  return (
    <section>
      <a href={href(routes.list)} className="back">
        ← {entityLabel(type, true)}
      </a>
      <div className="screen-head">
        <h1>{entityTitle(type, entity.data) ?? id}</h1>
        <SyncBadge mark={marksByEntity(outbox ?? []).get(`${type}:${id}`)} conflictId={conflictIdsByEntity(outbox ?? []).get(`${type}:${id}`)} />
      </div>
      <EntityDetails type={type} entity={entity} />
      <div className="actions">
        <a className="button" href={href(routes.edit(id))}>
          Edit
        </a>
        {confirming ? (
          <>
            <button className="danger" onClick={remove}>
              Delete {noun}
            </button>
            <button onClick={() => setConfirming(false)}>Keep it</button>
          </>
        ) : (
          <button className="danger-outline" onClick={() => setConfirming(true)}>
            Delete…
          </button>
        )}
      </div>
      {children}
    </section>
  );
}
