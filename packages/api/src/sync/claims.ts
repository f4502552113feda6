import { type RejectionCode, schemaVersion } from "@fieldsync/schema";
import { newId } from "@fieldsync/sync-core";
import { type Outcome, type Prepared, type Writer, queueStatus } from "./apply.ts";
import { olderClaimMatchers } from "./upgrade.ts";
import type { Sql } from "./sql.ts";

// SyncQueue as the record of every change a device pushed: one row per idempotency key, written
// once, with its outcome (or PENDING for the worker). Looked up and written under the device's
// advisory lock (lockDevice), and the (clientId, idempotencyKey) unique index backs it up.

export interface Claims {
  /** First deliveries of their key, in push order (a key repeated within the push: its first occurrence). */
  fresh: Prepared[];
  /** Stored outcomes of earlier deliveries, by key. */
  earlier: Map<string, Outcome>;
  /** Changes under a key that names a different change: refused, nothing stored. */
  reused: Set<Prepared>;
}

/** The answer to a change whose key this device already used for a different change. */
export const changeIdReused: Outcome = {
  status: "rejected",
  code: "CHANGE_ID_REUSED" satisfies RejectionCode,
  message: "This changeId was already used for a different change (entity, operation, base version or payload); a new change needs a new changeId",
};

/** Sorts a push's changes by their keys' history: new, seen before (same fingerprint), or reused. */
export async function findClaims(sql: Sql, clientId: string, changes: readonly Prepared[]): Promise<Claims> {
  const stored = changes.length
    ? await sql.query<{ id: string; idempotencyKey: string; fingerprint: string; result: Outcome | null; schemaVersion: number }>(
        // One probe of the (clientId, idempotencyKey) index per key (LIMIT 1 keeps each probe a
        // subquery of its own): as a plain filter, the planner (whose statistics lag behind a busy
        // device) read every claim the device ever made, so a push read more the longer it had synced.
        `SELECT q.* FROM unnest($2::text[]) AS k("key")
         CROSS JOIN LATERAL (SELECT s."id", s."idempotencyKey", s."fingerprint", s."result", s."schemaVersion" FROM "SyncQueue" s WHERE s."clientId" = $1 AND s."idempotencyKey" = k."key" LIMIT 1) q`,
        [clientId, [...new Set(changes.map((p) => p.key))]],
      )
    : [];
  // A row without a result is still waiting for the worker.
  const earlier = new Map(stored.map((row) => [row.idempotencyKey, row.result ?? { status: "queued" as const, queueItemId: row.id }]));
  /** Per used key: whether a change is the one it names. */
  const owners = new Map(stored.map((row): [string, (p: Prepared) => boolean] => [row.idempotencyKey, (p) => p.fingerprint === row.fingerprint]));
  const older = stored.filter((row) => row.schemaVersion < schemaVersion).map((row) => row.id);
  for (const [key, same] of await olderClaimMatchers(sql, older)) owners.set(key, same);
  const fresh: Prepared[] = [];
  const reused = new Set<Prepared>();
  for (const p of changes) {
    const same = owners.get(p.key);
    if (same !== undefined && !same(p)) reused.add(p);
    else if (same === undefined) {
      // The same change twice in one push is applied once, at its first occurrence.
      owners.set(p.key, (q) => q.fingerprint === p.fingerprint);
      fresh.push(p);
    }
  }
  return { fresh, earlier, reused };
}

/**
 * Writes the claims of fresh changes in push order (seq), each with its outcome: finished ones
 * with their result, queued ones PENDING for the worker under their queueItemId. One statement.
 */
export async function insertClaims(sql: Sql, writer: Writer, claims: readonly { p: Prepared; outcome: Outcome }[]): Promise<void> {
  if (claims.length === 0) return;
  const rows = claims.map(({ p, outcome }) => ({
    id: outcome.status === "queued" ? outcome.queueItemId : newId(),
    changeId: p.change.changeId ?? null,
    key: p.key,
    fingerprint: p.fingerprint,
    type: p.change.entityType,
    entityId: p.change.entityId,
    operation: p.change.operation,
    payload: outcome.status === "queued" || outcome.status === "rejected" ? p.change.payload : null,
    // The push path upgraded the payload to this build's version (sync/upgrade.ts).
    schemaVersion,
    clientVersion: p.change.clientVersion,
    checksum: p.change.checksum ?? null,
    timestamp: new Date(p.change.timestamp).toISOString(),
    status: queueStatus[outcome.status],
    result: outcome.status === "queued" ? null : outcome,
    code: outcome.status === "rejected" ? outcome.code : null,
    message: outcome.status === "rejected" ? outcome.message : null,
  }));
  await sql.query(
    `INSERT INTO "SyncQueue" ("id", "orgId", "clientId", "changeId", "idempotencyKey", "fingerprint", "entityType", "entityId", "operation",
       "payload", "schemaVersion", "clientVersion", "checksum", "clientTimestamp", "status", "attempts", "result", "errorCode", "errorMessage", "processedAt")
     SELECT r->>'id', $1, $2, r->>'changeId', r->>'key', r->>'fingerprint', r->>'type', r->>'entityId', (r->>'operation')::"SyncOperation",
       nullif(r->'payload', 'null'::jsonb), (r->>'schemaVersion')::int, (r->>'clientVersion')::int, r->>'checksum', (r->>'timestamp')::timestamp(3), (r->>'status')::"SyncStatus",
       CASE WHEN r->>'status' = 'PENDING' THEN 0 ELSE 1 END, nullif(r->'result', 'null'::jsonb), r->>'code', r->>'message',
       CASE WHEN r->>'status' = 'PENDING' THEN NULL ELSE now() AT TIME ZONE 'UTC' END
     FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(r, ord)
     ORDER BY e.ord`,
    [writer.orgId, writer.clientId, JSON.stringify(rows)],
  );
}

/**
 * Stores the outcomes of claims written PENDING (the worker's changes): a finished change drops
 * its payload, a rejected one keeps it for a retry. `attempted` counts the attempt that decided
 * them, in the same statement.
 */
export async function recordOutcomes(sql: Sql, rows: readonly { id: string; outcome: Outcome }[], attempted = false) {
  if (rows.length === 0) return;
  await sql.query(
    `UPDATE "SyncQueue" q
     SET "status" = v.status::"SyncStatus", "result" = v.result::jsonb, "errorCode" = v.code, "errorMessage" = v.message,
         "processedAt" = now() AT TIME ZONE 'UTC', "attempts" = q."attempts" + CASE WHEN $6 THEN 1 ELSE 0 END,
         "payload" = CASE WHEN v.status = 'FAILED' THEN q."payload" END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, status, result, code, message)
     WHERE q."id" = v.id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => queueStatus[r.outcome.status]),
      rows.map((r) => JSON.stringify(r.outcome)),
      rows.map((r) => (r.outcome.status === "rejected" ? r.outcome.code : null)),
      rows.map((r) => (r.outcome.status === "rejected" ? r.outcome.message : null)),
      attempted,
    ],
  );
}
