import { type Conflict, type ConflictResolution, entityLabel, entityTitle } from "@fieldsync/schema";
import { ApiError } from "@fieldsync/sync-client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import {
  type Side,
  actionLabel,
  canMerge,
  conflictRows,
  mergedData,
  primaryAction,
  sideWords,
  suggestedChoices,
  suggestionReason,
} from "../app/conflict-view.ts";
import { timeAgo } from "../app/format.ts";
import { engine, scheduler, store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { useOnline } from "../app/use-online.ts";
import { href } from "../app/use-route.ts";
import { FieldValue } from "../components/field-value.tsx";

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
const show = (value: unknown) => (value === null || value === undefined || value === "" ? "—" : String(value));

/** Open conflicts; `focus`: only that one (a conflict badge's link), with a way back to all. */
export function ConflictsScreen({ focus }: { focus?: string | undefined }) {
  const conflicts = useLiveQuery(() => store.conflicts(), []);
  const session = useLiveQuery(() => store.getSession(), []);
  if (conflicts === undefined || session === undefined) return null;
  const shown = focus ? conflicts.filter((conflict) => conflict.id === focus) : conflicts;
  return (
    <section>
      <h1>Conflicts</h1>
      <p className="muted">
        Someone changed the same thing while you were offline. Compare both versions and decide what the record should say.
      </p>
      {focus ? (
        <p>
          <a href={href({ name: "conflicts" })}>All open conflicts ({conflicts.length})</a>
        </p>
      ) : null}
      {shown.length === 0 ? <p className="notice">{focus ? "This conflict is no longer open." : "No open conflicts."}</p> : null}
      {shown.map((conflict) => (
        <ConflictCard key={conflict.id} conflict={conflict} viewerId={session?.user.id ?? ""} />
      ))}
    </section>
  );
}

/** "Tara Technician's edit · 5 min ago", the time exact on hover. */
function EditLine({ heading, at }: { heading: string; at: string | null }) {
  return (
    <li>
      <strong>{heading}</strong>
      {at ? (
        <>
          {" · "}
          <time dateTime={at} title={new Date(at).toLocaleString()}>
            {timeAgo(at)}
          </time>
        </>
      ) : null}
    </li>
  );
}

function ConflictCard({ conflict, viewerId }: { conflict: Conflict; viewerId: string }) {
  const online = useOnline();
  // Only what the user changed; the rest follows the suggestion (also after the conflict is refreshed).
  const [picked, setPicked] = useState<Record<string, Side>>({});
  const entity = useLiveQuery(() => store.get(conflict.entityType, conflict.entityId), [conflict.entityType, conflict.entityId]);
  const choices = { ...suggestedChoices(conflict), ...picked };
  const resolve = useMutation({
    mutationFn: async (resolution: ConflictResolution) => {
      await engine.resolveConflict(conflict.id, resolution, resolution === "MERGE" ? mergedData(conflict, choices) : undefined);
      // Later edits of this entity were held back by the conflict: send them now.
      void scheduler.request();
    },
  });
  const rows = conflictRows(conflict);
  const reasons = rows.filter((row) => row.conflicting && row.suggestion);
  const type = conflict.entityType;
  const title = entityTitle(type, conflict.clientData) ?? entityTitle(type, conflict.serverData) ?? entityTitle(type, entity?.data);
  const mergeable = canMerge(conflict);
  const sides = { client: sideWords(conflict, "client", viewerId), server: sideWords(conflict, "server", viewerId) };
  const primary = primaryAction(conflict, choices);
  const others = (["CLIENT_WINS", "SERVER_WINS", ...(mergeable ? (["MERGE"] as const) : [])] as const).filter((action) => action !== primary);
  const busy = !online || resolve.isPending;
  const error = resolve.error instanceof ApiError ? `${resolve.error.code}: ${resolve.error.message}` : resolve.error?.message;

  return (
    <article className="card conflict" data-testid="conflict" aria-label={`Conflict on ${show(title)}`}>
      <h2>
        {entityLabel(type)} “{show(title)}”
      </h2>
      <ul className="conflict-edits">
        <EditLine heading={conflict.clientData ? sides.client.heading : `${sides.client.heading}: deleted`} at={sides.client.at} />
        <EditLine heading={conflict.serverData ? sides.server.heading : `${sides.server.heading}: deleted`} at={sides.server.at} />
      </ul>
      <p className="suggestion" data-testid="suggestion">
        Suggested: {lowerFirst(actionLabel(conflict, conflict.suggestedResolution, viewerId))}. {suggestionReason(conflict, viewerId)}
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Field</th>
              <th>{sides.client.heading}</th>
              <th>{sides.server.heading}</th>
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
                          checked={choices[row.field] === side}
                          onChange={() => setPicked((current) => ({ ...current, [row.field]: side }))}
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
      {reasons.length ? (
        <ul className="field-reasons muted" aria-label="Why, per field">
          {reasons.map((row) => (
            <li key={row.field}>{row.suggestion!.reason}</li>
          ))}
        </ul>
      ) : null}
      <p className="muted">Raised {timeAgo(conflict.createdAt)}.</p>
      {!online ? <p className="notice">Resolving needs a connection; your edit stays queued meanwhile.</p> : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button className="primary" disabled={busy} onClick={() => resolve.mutate(primary)}>
          {actionLabel(conflict, primary, viewerId)}
        </button>
        {others.map((action) => (
          <button key={action} disabled={busy} onClick={() => resolve.mutate(action)}>
            {actionLabel(conflict, action, viewerId)}
          </button>
        ))}
        <button className="link-button" disabled={busy} onClick={() => resolve.mutate("MANUAL")}>
          {actionLabel(conflict, "MANUAL", viewerId)}
        </button>
      </div>
    </article>
  );
}
