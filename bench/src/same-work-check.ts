import { isDeepStrictEqual } from "node:util";
import type { SyncChangeInput } from "@fieldsync/schema";
import { createChange, deleteChange, updateChange } from "./data.ts";
import { nodePostgres } from "./drivers.ts";
import { type BaselineDevice, sameWorkPush, sameWorkSchema } from "./same-work.ts";
import { seedAssets } from "./seed.ts";
import type { BenchServer } from "./server.ts";

// Whether the same-work baseline really does the endpoint's durable work: the same pushes sent to
// the endpoint (HTTP) and to the baseline (its statement, on copies of the same rows) must answer
// the same outcomes and leave the same rows in Asset, SyncMetadata, ChangeLog, SyncQueue and
// SyncConflict (ids and times aside), and the same bucket digests (SyncDigestDelta). Run by the push scenario before it measures, and by
// same-work.test.ts.

/** Seeds the six entities a check edits; call before the baseline's tables are copied (createSameWork). */
export const seedCheckEntities = (server: BenchServer) => seedAssets(server.pool, server.orgId, 6, true);

/** The baseline side of the check: a batch pushed as `device`; its outcomes. */
export type BaselinePush = (device: BaselineDevice, changes: SyncChangeInput[]) => Promise<readonly { status: string; version?: number; serverVersion?: number }[]>;

/** The same-work statement through node-postgres. */
export const statementPush = (server: BenchServer, statement: string): BaselinePush => (device, changes) =>
  sameWorkPush(nodePostgres(server.pool), statement, server.orgId, device, changes);

/** What a push leaves, per table, without generated ids and times, in a stable order. */
async function written(server: BenchServer, schema: string, clientId: string, ids: string[]) {
  const byIds = async (text: string) => (await server.pool.query(text, [server.orgId, ids])).rows;
  const byClient = async (text: string) => (await server.pool.query(text, [server.orgId, clientId])).rows;
  return {
    asset: await byIds(`SELECT "id", "name", "serialNumber", "location", "notes", "status", "updatedBy" FROM ${schema}."Asset" WHERE "orgId" = $1 AND "id" = ANY($2) ORDER BY "id"`),
    metadata: await byIds(
      `SELECT "entityId", "version", "checksum", "deletedAt" IS NOT NULL AS deleted, "lastModifiedBy" FROM ${schema}."SyncMetadata"
       WHERE "orgId" = $1 AND "entityType" = 'asset' AND "entityId" = ANY($2) ORDER BY "entityId"`,
    ),
    changeLog: await byIds(
      `SELECT "entityId", "operation", "version", "checksum", "data", "actor", "originClientId" FROM ${schema}."ChangeLog"
       WHERE "orgId" = $1 AND "entityType" = 'asset' AND "entityId" = ANY($2) ORDER BY "entityId", "version"`,
    ),
    claims: await byClient(
      `SELECT "changeId", "idempotencyKey", "fingerprint", "entityType", "entityId", "operation", "payload", "clientVersion", "clientTimestamp",
         "status", "attempts", "errorCode", "processedAt" IS NOT NULL AS processed,
         "result" - 'conflictId' - 'mergedConflictId' AS result, "result" ? 'conflictId' AS "hasConflictId", "result"->'mergedConflictId' <> 'null' AS merged
       FROM ${schema}."SyncQueue" WHERE "orgId" = $1 AND "clientId" = $2 ORDER BY "seq"`,
    ),
    // The organization's bucket digests (the deltas folded): both sides start from the same copy.
    digests: (
      await server.pool.query(
        `SELECT "bucket", fieldsync_digest_mod(sum("checksumSum"))::text AS digest, sum("entities")::int AS entities FROM ${schema}."SyncDigestDelta"
         WHERE "orgId" = $1 AND "entityType" = 'asset' GROUP BY "bucket" ORDER BY "bucket"`,
        [server.orgId],
      )
    ).rows,
    conflicts: await byClient(
      `SELECT "changeId", "entityType", "entityId", "operation", "clientVersion", "serverVersion", "clientData", "serverData", "baseData",
         ARRAY(SELECT f FROM unnest("conflictingFields") f ORDER BY f) AS fields, "suggestedResolution", "resolution", "resolvedBy", "resolvedAt" IS NULL AS open
       FROM ${schema}."SyncConflict" WHERE "orgId" = $1 AND "clientId" = $2 ORDER BY "changeId"`,
    ),
  };
}

const outcome = (r: { status: string; version?: number; serverVersion?: number; mergedConflictId?: string | null }) =>
  `${r.status} v${r.version ?? r.serverVersion}${r.mergedConflictId ? " merged" : ""}`;

/**
 * Sends two batches to both sides (as `checkDevice`, which must be new): updates of six seeded entities, then two creates, an update at
 * the current version, a delete, a stale update of the same field (conflict), a stale update of
 * another field (three-way merge) and a replay of a change of the first batch. Returns the tables
 * (and answers) that differ, each with both sides; empty when the work is the same.
 */
export async function checkSameWork(
  server: BenchServer,
  pushBaseline: BaselinePush,
  ids: string[],
  checkDevice = "bench-same-work-check",
): Promise<{ what: string; ours: unknown; baseline: unknown }[]> {
  await server.push(checkDevice, []);
  const { rows } = await server.pool.query<{ clientId: string; userId: string }>(`SELECT "id" AS "clientId", "userId" FROM "SyncClient" WHERE "deviceId" = $1`, [checkDevice]);
  const device: BaselineDevice = rows[0]!;
  const [a, b, c, d, e, f] = ids as [string, string, string, string, string, string];
  const both = async (changes: SyncChangeInput[]) => ({
    ours: (await server.push(checkDevice, changes)).results.map(outcome),
    baseline: (await pushBaseline(device, changes)).map(outcome),
  });
  const first = [a, b, c, d, e, f].map((id) => updateChange(id, 1));
  const answers = [await both(first)];
  // Built after the first batch on both sides, so the server's rows are older than these edits.
  const stale = { ...updateChange(d, 1), payload: { name: "Renamed while offline" } };
  answers.push(await both([createChange(), createChange(), updateChange(a, 2), deleteChange(b, 2), updateChange(c, 1), stale, first[4]!]));
  const created = (await server.pool.query<{ id: string }>(`SELECT "entityId" AS id FROM "SyncQueue" WHERE "clientId" = $1 AND "operation" = 'CREATE'`, [device.clientId])).rows;
  const all = [...ids, ...created.map((r) => r.id)];
  const ours = { answers: answers.map((x) => x.ours), ...(await written(server, "public", device.clientId, all)) };
  const baseline = { answers: answers.map((x) => x.baseline), ...(await written(server, sameWorkSchema, device.clientId, all)) };
  return Object.keys(ours).flatMap((key) => {
    const what = key as keyof typeof ours;
    return isDeepStrictEqual(ours[what], baseline[what]) ? [] : [{ what, ours: ours[what], baseline: baseline[what] }];
  });
}
