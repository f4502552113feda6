import { type Conflict, type ConflictResolution, entityLabel, entityTitle } from "@fieldsync/schema";
import { ApiError } from "@fieldsync/sync-client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { canMerge, conflictRows, mergedData, type Side } from "../app/conflict-view.ts";
import { timeAgo } from "../app/format.ts";
import { engine, scheduler, store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useOnline } from "../app/use-online.ts";
import { FieldValue } from "../components/field-value.tsx";

const show = (value: unknown) => (value === null || value === undefined || value === "" ? "—" : String(value));

export function ConflictsScreen() {
  const conflicts = useLiveQuery(() => store.conflicts(), []);
  return (
    <section>
      <h1>Conflicts</h1>
      <p className="muted">
        Someone changed the same thing while you were offline. Compare both versions and decide what the record should say.
      </p>
      {conflicts?.length === 0 ? <p className="notice">No open conflicts.</p> : null}
      {(conflicts ?? []).map((conflict) => (
        <ConflictCard key={conflict.id} conflict={conflict} />
      ))}
    </section>
  );
}

function ConflictCard({ conflict }: { conflict: Conflict }) {
  const online = useOnline();
  const [choices, setChoices] = useState<Record<string, Side>>({});
  const entity = useLiveQuery(() => store.get(conflict.entityType, conflict.entityId), [conflict.entityType, conflict.entityId]);
  const resolve = useMutation({
    mutationFn: async (resolution: ConflictResolution) => {
      await engine.resolveConflict(conflict.id, resolution, resolution === "MERGE" ? mergedData(conflict, choices) : undefined);
      // Later edits of this entity were held back by the conflict: send them now.
      void scheduler.request();
    },
  });
  const rows = conflictRows(conflict);
  const type = conflict.entityType;
  const title = entityTitle(type, conflict.clientData) ?? entityTitle(type, conflict.serverData) ?? entityTitle(type, entity?.data);
  const mergeable = canMerge(conflict);
  const error = resolve.error instanceof ApiError ? `${resolve.error.code}: ${resolve.error.message}` : resolve.error?.message;

  return (
    <article className="card conflict" data-testid="conflict" aria-label={`Conflict on ${show(title)}`}>
      <h3>
        {entityLabel(type)} “{show(title)}”
      </h3>
      <p className="muted">
        {conflict.operation === "DELETE" ? "You deleted it; " : "You edited version " + conflict.clientVersion + "; "}
        {conflict.serverData === null ? "it was deleted on the server." : `the server is at version ${conflict.serverVersion}.`} Raised{" "}
        {timeAgo(conflict.createdAt)}. Suggested: {conflict.suggestedResolution.replace("_", " ").toLowerCase()}.
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Field</th>
              <th>Yours</th>
              <th>Server</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.field} className={row.conflicting ? "conflicting" : ""}>
                <th scope="row">{row.spec.label}</th>
                {(["client", "server"] as const).map((side) => (
                  <td key={side}>
                    {row.conflicting && mergeable ? (
                      <label>
                        <input
                          type="radio"
                          name={`${conflict.id}-${row.field}`}
                          checked={(choices[row.field] ?? "server") === side}
                          onChange={() => setChoices((c) => ({ ...c, [row.field]: side }))}
                        />{" "}
                        <FieldValue type={type} spec={row.spec} value={row[side]} precise />
                      </label>
                    ) : (side === "client" ? conflict.clientData : conflict.serverData) ? (
                      <FieldValue type={type} spec={row.spec} value={row[side]} precise />
                    ) : (
                      "(deleted)"
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!online ? <p className="notice">Resolving needs a connection; your edit stays queued meanwhile.</p> : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button className="primary" disabled={!online || resolve.isPending} onClick={() => resolve.mutate("CLIENT_WINS")}>
          Keep mine
        </button>
        <button disabled={!online || resolve.isPending} onClick={() => resolve.mutate("SERVER_WINS")}>
          Keep server's
        </button>
        {mergeable ? (
          <button disabled={!online || resolve.isPending} onClick={() => resolve.mutate("MERGE")}>
            Merge selected fields
          </button>
        ) : null}
        <button className="link-button" disabled={!online || resolve.isPending} onClick={() => resolve.mutate("MANUAL")}>
          Leave for later
        </button>
      </div>
    </article>
  );
}
