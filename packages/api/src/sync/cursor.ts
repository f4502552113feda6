import type { EntityType } from "@fieldsync/schema";
import { formatPosition } from "@fieldsync/sync-core";
import { fail } from "../errors.ts";
import type { Cursor } from "../pages.ts";
import { seal, unseal } from "../seal.ts";

export type { Cursor };

interface Envelope {
  v: 1;
  org: string;
  types: string;
  cursor: Cursor;
  /** The primary's WAL position the token's holder has seen (read-replica.ts); absent without a standby. */
  lsn?: string;
}

const typesKey = (types: readonly EntityType[]) => [...types].sort().join(",");

/** An opaque token bound to the organization and the pulled types; `lsn` when minted from the primary's state with a standby in use. */
export function encodeCursor(secret: string, orgId: string, types: readonly EntityType[], cursor: Cursor, lsn?: string): string {
  const envelope: Envelope = { v: 1, org: orgId, types: typesKey(types), cursor, ...(lsn === undefined ? {} : { lsn }) };
  return seal(secret, envelope);
}

/** The token's cursor and WAL position. Throws INVALID_TOKEN for a token that was altered, is another organization's, or other types'. */
export function decodeToken(secret: string, orgId: string, types: readonly EntityType[], token: string): Pick<Envelope, "cursor" | "lsn"> {
  const envelope = unseal(secret, token) as Envelope | null;
  if (envelope?.v !== 1 || envelope.org !== orgId) return fail("INVALID_TOKEN", "The sync token is not valid");
  if (envelope.types !== typesKey(types)) {
    return fail("INVALID_TOKEN", "The sync token was issued for other entity types; start a new pull");
  }
  return { cursor: envelope.cursor, lsn: envelope.lsn };
}

/** The log position a cursor sits at, as live events' ranges name it; null for a snapshot or a time-filtered pull. */
export const positionOf = (cursor: Cursor): string | null => (cursor.mode === "log" && cursor.after === null ? formatPosition(cursor) : null);
