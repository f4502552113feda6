import {
  entityTypes,
  oldestSupportedSchemaVersion,
  schemaVersion,
  syncOperationSchema,
  unversionedSchemaVersion,
  upgradeEntityPayload,
  type EntityType,
  type SyncChange,
  type SyncOperation,
} from "@fieldsync/schema";
import { checksum } from "@fieldsync/sync-core";
import { fail } from "../errors.ts";
import { type Prepared, prepare } from "./apply.ts";
import type { Sql } from "./sql.ts";

// Changes written by an older app build, brought to this server's schema version before anything
// decides them: the inline push (a tRPC middleware ahead of the input schema, so the current
// schema validates the upgraded payloads) and the worker's queued rows (stored with the version
// they were written under), and the claims an older build stored, whose fingerprints are compared
// in this build's shape. The steps are the entities' `upgrades` in packages/schema.

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isEntityType = (value: unknown): value is EntityType => entityTypes.includes(value as EntityType);
const isOperation = (value: unknown): value is SyncOperation => syncOperationSchema.options.includes(value as SyncOperation);

/** The checksum of a payload, or null when it is not JSON (the schema refuses it afterwards). */
const checksumOf = (payload: unknown) => checksum(payload).catch(() => null);

/**
 * One change as sent (not validated yet) in this server's shape: its payload upgraded from
 * schema version `from`. A `checksum` that matched the payload as written is re-stamped for the
 * upgraded one; one that did not is left to be rejected CHECKSUM_MISMATCH. Anything that is not a
 * change of a known type and operation is returned as it is, for the schema to report.
 */
export async function upgradeChange<C>(change: C, from: number): Promise<C> {
  if (from === schemaVersion || !isRecord(change) || !isRecord(change.payload)) return change;
  const { entityType, operation, payload } = change;
  if (!isEntityType(entityType) || !isOperation(operation)) return change;
  const upgraded = upgradeEntityPayload(entityType, operation, payload, from);
  const stamped = typeof change.checksum === "string" && change.checksum === (await checksumOf(payload));
  return { ...change, payload: upgraded, ...(stamped && { checksum: await checksumOf(upgraded) }) };
}

const supported = oldestSupportedSchemaVersion === schemaVersion ? `version ${schemaVersion}` : `versions ${oldestSupportedSchemaVersion} to ${schemaVersion}`;

/**
 * The schema version a push was written under; refuses (412, nothing written) one older than
 * this server takes or newer than it knows. Null when `schemaVersion` is not an integer at all:
 * the input schema reports that as VALIDATION_FAILED.
 */
function pushSchemaVersion(input: Record<string, unknown>): number | null {
  const version = input.schemaVersion ?? unversionedSchemaVersion;
  if (!Number.isSafeInteger(version)) return null;
  if ((version as number) < oldestSupportedSchemaVersion) {
    fail("SCHEMA_VERSION_TOO_OLD", `This app speaks schema version ${version}; the server takes ${supported}. Update the app, then sync again: your changes are kept.`);
  }
  if ((version as number) > schemaVersion) {
    fail("SCHEMA_VERSION_UNKNOWN", `This app speaks schema version ${version}; the server knows up to ${schemaVersion}. Your changes are kept: sync again once the server is updated.`);
  }
  return version as number;
}

/** A push's raw input with every change upgraded to this server's schema version (see pushSchemaVersion for refusals). */
export async function upgradePush(input: unknown): Promise<unknown> {
  if (!isRecord(input)) return input;
  const from = pushSchemaVersion(input);
  if (from === null || from === schemaVersion || !Array.isArray(input.changes)) return input;
  return { ...input, schemaVersion, changes: await Promise.all(input.changes.map((change: unknown) => upgradeChange(change, from))) };
}

/**
 * How to recognise the changes of claims stored by an older server build, by idempotency key, in
 * this build's shape: a change sent again after a release (its answer lost before it) is the same
 * change, not refused CHANGE_ID_REUSED. A claim that kept its payload (PENDING, rejected) is
 * compared by the fingerprint (apply.ts `prepare`) of its upgraded change; a finished one keeps no
 * payload (claims.ts), so by its entity, operation and base version: all of it that survives.
 */
export async function olderClaimMatchers(sql: Sql, ids: readonly string[]): Promise<[string, (p: Prepared) => boolean][]> {
  if (ids.length === 0) return [];
  const rows = await sql.query<Pick<SyncChange, "entityType" | "entityId" | "operation" | "clientVersion"> & { payload: SyncChange["payload"] | null; idempotencyKey: string; schemaVersion: number }>(
    `SELECT "idempotencyKey", "entityType", "entityId", "operation", "payload", "clientVersion", "schemaVersion" FROM "SyncQueue" WHERE "id" = ANY($1::text[])`,
    [ids],
  );
  return Promise.all(
    rows.map(async ({ idempotencyKey, schemaVersion: from, payload, ...stored }): Promise<[string, (p: Prepared) => boolean]> => {
      if (payload === null) {
        return [idempotencyKey, ({ change }) =>
          change.entityType === stored.entityType && change.entityId === stored.entityId && change.operation === stored.operation && change.clientVersion === stored.clientVersion];
      }
      const { fingerprint } = prepare(await upgradeChange({ ...stored, payload } as SyncChange, from), 0);
      return [idempotencyKey, (p) => p.fingerprint === fingerprint];
    }),
  );
}
