import { type EntityType, entityLabel, fieldLabel, getEntity, valueLabel } from "@fieldsync/schema";
import type { LocalEntity } from "@fieldsync/sync-client";
import { useEffect, useMemo, useState } from "react";
import { type ListEntry, type ListItem, type ListQuery, emptyQuery, enumFields, filterItems, listEntries, siteRule, withFilter } from "../app/list-view.ts";
import { type SyncMark, conflictIdsByEntity, marksByEntity } from "../app/outbox-status.ts";
import { store } from "../app/runtime.ts";
import { useListItems } from "../app/use-list-items.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { entityRoutes, href } from "../app/use-route.ts";
import { Choice } from "./choice.tsx";
import { SyncBadge } from "./sync-badge.tsx";
import { VirtualList } from "./virtual-list.tsx";

// The query of each type's list for this page's life: back from an entity, its list is as left.
const remembered = new Map<EntityType, ListQuery>();

/** The list's query, remembered per type (render the list with `key={type}`). */
function useListQuery(type: EntityType) {
  const [query, setQuery] = useState(() => remembered.get(type) ?? emptyQuery);
  useEffect(() => void remembered.set(type, query), [type, query]);
  return [query, (patch: Partial<ListQuery>) => setQuery((current) => ({ ...current, ...patch }))] as const;
}

const noItems: ListItem<LocalEntity>[] = [];
const noSites: string[] = [];

/**
 * Every entity of `type` on this device: searchable, filtered by its enum fields and site,
 * sorted (naturally by title, or by site or an enum field), optionally in sections by site; the
 * rows virtualized, so 10,000 entities cost what a screenful does. Rows are read and sorted in
 * slices when they or the order change (use-list-items.ts); a keystroke only filters the sorted
 * rows. Render it with `key={type}`.
 */
export function EntityList({ type }: { type: EntityType }) {
  const rule = siteRule(type);
  const state = useLiveQuery(() => store.syncState(), []);
  // Rows are read once the initial snapshot is in: re-listing on each of its pages made that
  // sync several times slower (a 10,000-row list re-read, re-built and re-sorted per page).
  const ready = state?.initialSyncDone === true;
  const outbox = useLiveQuery(() => store.outbox(), []);
  const [query, patchQuery] = useListQuery(type);
  const plural = entityLabel(type, true);

  const list = useListItems(type, ready, query.sort);
  const items = list?.items;
  const sorted = list?.sorted ?? noItems;
  const shown = useMemo(() => filterItems(sorted, query), [sorted, query.search, query.filters, query.site]);
  const entries = useMemo(() => listEntries(shown, query.groupBySite && rule !== null), [shown, query.groupBySite, rule !== null]);
  const sites = list?.sites ?? noSites;
  const marks = useMemo(() => marksByEntity(outbox ?? []), [outbox]);
  const conflictIds = useMemo(() => conflictIdsByEntity(outbox ?? []), [outbox]);

  if (state && !ready) {
    const progress = state.progress;
    return (
      <p className="muted" aria-live="polite">
        Loading {plural.toLowerCase()} from the server…{progress ? ` ${progress.sent.toLocaleString()} of ${progress.total.toLocaleString()} records` : ""}
      </p>
    );
  }
  if (!items) return null;
  const filtered = query.search.trim() !== "" || query.site !== null || Object.keys(query.filters).length > 0;
  return (
    <>
      <ListControls type={type} query={query} patch={patchQuery} sites={sites} />
      <p className="muted list-count" aria-live="polite" data-testid="list-count">
        {filtered ? `${shown.length.toLocaleString()} of ${items.length.toLocaleString()} ${plural.toLowerCase()}` : `${items.length.toLocaleString()} ${plural.toLowerCase()}`}
      </p>
      {entries.length === 0 ? (
        <p className="muted">
          {filtered ? `No ${entityLabel(type).toLowerCase()} matches.` : `No ${plural.toLowerCase()} yet.`}
        </p>
      ) : (
        <VirtualList
          label={plural}
          entries={entries}
          keyOf={(entry) => (entry.kind === "group" ? `site:${entry.site}` : entry.item.source.id)}
          estimateSize={(entry) => (entry.kind === "group" ? 44 : 66)}
          className={(entry) => (entry.kind === "group" ? "list-group" : undefined)}
          render={(entry) => {
            const key = entry.kind === "item" ? `${type}:${entry.item.source.id}` : "";
            return <Entry type={type} entry={entry} mark={marks.get(key)} conflictId={conflictIds.get(key)} />;
          }}
        />
      )}
    </>
  );
}

interface EntryProps {
  type: EntityType;
  entry: ListEntry<LocalEntity>;
  mark: SyncMark | undefined;
  conflictId: string | undefined;
}

/**
 * A group heading, or an entity's row: the row's link and, beside it (a link may not hold
 * another), its sync badge, which links to the entity's conflict when it has one.
 */
function Entry({ type, entry, mark, conflictId }: EntryProps) {
  const rule = siteRule(type);
  if (entry.kind === "group") {
    return (
      <h2>
        {entry.site ?? `No ${rule?.label.toLowerCase() ?? "site"}`} <span className="muted">({entry.count.toLocaleString()})</span>
      </h2>
    );
  }
  const { item } = entry;
  // The first enum field (status) as a pill, as a word people use.
  const status = enumFields(type)[0];
  const statusValue = status ? item.values[status.name] : null;
  return (
    <div className="row row-split">
      <a href={href(entityRoutes(type).detail(item.source.id))} className="row row-link">
        <span className="row-main">
          <strong>{item.title}</strong>
          {rule ? <span className="muted">{where(item, rule.label)}</span> : null}
        </span>
        {status && statusValue ? <span className={`status status-${statusValue.toLowerCase()}`}>{valueLabel(type, status.name, statusValue)}</span> : null}
      </a>
      {mark ? (
        <span className="row-badge">
          <SyncBadge mark={mark} conflictId={conflictId} />
        </span>
      ) : null}
    </div>
  );
}

/** "Pump P-3 · Basement" for a task; "Basement" for an asset. */
const where = (item: ListItem, siteLabel: string) =>
  [item.parentTitle, item.site ?? `no ${siteLabel.toLowerCase()}`].filter(Boolean).join(" · ");

function ListControls({ type, query, patch, sites }: { type: EntityType; query: ListQuery; patch: (patch: Partial<ListQuery>) => void; sites: string[] }) {
  const rule = siteRule(type);
  const enums = enumFields(type);
  const titleLabel = fieldLabel(type, getEntity(type).titleField);
  const plural = entityLabel(type, true);
  return (
    <div className="list-controls">
      <input
        className="search"
        type="search"
        placeholder={`Search ${plural.toLowerCase()}`}
        aria-label={`Search ${plural.toLowerCase()}`}
        value={query.search}
        onChange={(event) => patch({ search: event.target.value })}
      />
      <div className="list-filters">
        {enums.map((spec) => (
          <Choice key={spec.name} label={spec.label} value={query.filters[spec.name] ?? ""} onChange={(value) => patch({ filters: withFilter(query.filters, spec.name, value) })} options={spec.options ?? []} />
        ))}
        {rule ? (
          <Choice label={rule.label} value={query.site ?? ""} onChange={(value) => patch({ site: value || null })} options={sites.map((site) => ({ value: site, label: site }))} />
        ) : null}
        <Choice
          label="Sort by"
          value={query.sort}
          onChange={(sort) => patch({ sort })}
          options={[{ value: "title", label: titleLabel }, ...(rule ? [{ value: "site", label: rule.label }] : []), ...enums.map((spec) => ({ value: spec.name, label: spec.label }))]}
          required
        />
        {rule ? (
          <label className="check">
            <input type="checkbox" checked={query.groupBySite} onChange={(event) => patch({ groupBySite: event.target.checked })} />
            Group by {rule.label.toLowerCase()}
          </label>
        ) : null}
      </div>
    </div>
  );
}
