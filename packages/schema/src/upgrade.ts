import type { SyncOperation } from "./enums.ts";

type Payload = Readonly<Record<string, unknown>>;

/** An enum value split in two (or more): `rule` picks the new value from the rest of the payload. */
export interface ValueSplit {
  field: string;
  value: string;
  /** Sees the payload after this step's renames; returns one of the new values. Must not throw. */
  rule: (payload: Payload) => string;
}

/**
 * One step of an entity type's payloads from schema version `to - 1` to `to`, declared beside the
 * entity in the registry (`upgrades`). Applied in this order: renames, splits, then the added
 * fields. Each part is pure and total: any object in, an object out, so the server can run it on
 * a payload before validating it (the current schema then reports what is still wrong).
 */
export interface PayloadUpgrade {
  /** The version this step produces. */
  to: number;
  /** Old field name → new name, in CREATE and UPDATE payloads alike. */
  rename?: Readonly<Record<string, string>>;
  split?: readonly ValueSplit[];
  /**
   * Fields a full entity gained, with the value changes written before them get. Filled into
   * CREATE payloads only: an UPDATE that does not name a field leaves it as it is.
   */
  added?: Readonly<Record<string, unknown>>;
}

function renamed(payload: Payload, rename: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).map(([field, value]) => [Object.hasOwn(rename, field) ? rename[field]! : field, value]));
}

function applyStep(step: PayloadUpgrade, operation: SyncOperation, payload: Payload): Record<string, unknown> {
  if (operation === "DELETE") return { ...payload };
  const next = renamed(payload, step.rename ?? {});
  for (const split of step.split ?? []) {
    if (next[split.field] === split.value) next[split.field] = split.rule(next);
  }
  if (operation === "CREATE") {
    for (const [field, value] of Object.entries(step.added ?? {})) if (!Object.hasOwn(next, field)) next[field] = value;
  }
  return next;
}

/**
 * A payload written under schema version `from`, in the shape of version `to`: every step of
 * `steps` with `from < step.to <= to`, in order. Versions without a step leave the payload as it
 * is (the type did not change then). Pure: the input is never modified.
 */
export function upgradePayload(
  steps: readonly PayloadUpgrade[],
  operation: SyncOperation,
  payload: Payload,
  from: number,
  to: number,
): Record<string, unknown> {
  return [...steps]
    .sort((a, b) => a.to - b.to)
    .filter((step) => step.to > from && step.to <= to)
    .reduce<Record<string, unknown>>((current, step) => applyStep(step, operation, current), { ...payload });
}
