import { type Db, inTransaction, type SyncConflict } from "@fieldsync/db";
import {
  type EntityData,
  type EntityType,
  type LookupConflictsResponse,
  type ResolveConflictBody,
  type ResolveConflictResponse,
  getEntity,
} from "@fieldsync/schema";
import { entityKey, keptSides, threeWayMerge, toServerChange, unknownUsersMessage } from "@fieldsync/sync-core";
import { auditActions, recordAudit } from "../audit/record.ts";
import type { AuthUser } from "../context.ts";
import { fail } from "../errors.ts";
import { recordChoices } from "./conflict-choices.ts";
import { presentConflicts } from "./conflict-present.ts";
import { jsonColumn, loadStates, missingReferences, writeEntity } from "./entities.ts";
import { prismaSql } from "./sql.ts";
import { strangersIn } from "./users.ts";

const present = (db: Db, orgId: string, rows: SyncConflict[]) => presentConflicts(prismaSql(db), orgId, rows);

/** Open conflicts of the caller's organization, oldest first. */
export async function listConflicts(db: Db, user: AuthUser, query: { entityType?: EntityType; entityId?: string; limit: number }) {
  const rows = await db.syncConflict.findMany({
    where: { orgId: user.orgId, resolvedAt: null, entityType: query.entityType, entityId: query.entityId },
    orderBy: { createdAt: "asc" },
    take: query.limit,
  });
  return present(db, user.orgId, rows);
}

/**
 * The state of each named conflict, in request order. Ids of other organizations are `unknown`,
 * exactly like ids that never existed.
 */
export async function lookupConflicts(db: Db, user: AuthUser, conflictIds: readonly string[]): Promise<LookupConflictsResponse> {
  const rows = await db.syncConflict.findMany({ where: { orgId: user.orgId, id: { in: [...new Set(conflictIds)] } } });
  const byId = new Map((await present(db, user.orgId, rows)).map((conflict) => [conflict.id, conflict]));
  return {
    conflicts: conflictIds.map((conflictId) => {
      const conflict = byId.get(conflictId) ?? null;
      const status = conflict === null ? "unknown" : conflict.resolvedAt === null ? "open" : "resolved";
      return { conflictId, status, conflict };
    }),
  };
}

/** What the entity becomes under a resolution; null means it ends up (or stays) deleted. */
function target(conflict: SyncConflict, current: EntityData | null, body: ResolveConflictBody): EntityData | null {
  const type = conflict.entityType as EntityType;
  const clientData = conflict.clientData as EntityData | null;
  switch (body.resolution) {
    case "SERVER_WINS":
      return current;
    case "CLIENT_WINS":
      return clientData;
    case "MERGE": {
      if (!clientData || !current) {
        return fail("MERGE_DATA_REQUIRED", "A deletion cannot be merged; choose CLIENT_WINS or SERVER_WINS");
      }
      const mergedData = body.mergedData ?? {};
      const partial = getEntity(type).schema.partial().safeParse(mergedData);
      if (!partial.success) {
        return fail("VALIDATION_FAILED", "mergedData does not fit the entity", partial.error.issues.map((issue) => ({
          path: ["mergedData", ...issue.path.map(String)].join("."),
          message: issue.message,
          code: issue.code,
        })));
      }
      const base = (conflict.baseData as EntityData | null) ?? current;
      const merge = threeWayMerge(base, current, clientData);
      const undecided = merge.conflictingFields.filter((field) => !(field in mergedData));
      if (undecided.length) {
        return fail("MERGE_DATA_REQUIRED", `Choose a value in mergedData for: ${undecided.join(", ")}`, undecided.map((field) => ({
          path: `mergedData.${field}`,
          message: "both sides changed this field",
          code: "custom",
        })));
      }
      return { ...merge.merged, ...mergedData };
    }
    case "MANUAL":
      throw new Error("MANUAL leaves the conflict open and writes nothing");
  }
}

/**
 * Resolves a conflict as a new version of the entity, which every device then receives through
 * delta (SERVER_WINS rewrites the server's data so devices holding the losing edit replace it).
 * MANUAL keeps it open. A conflict of another organization answers 404, like a missing one.
 * If the entity changed since the conflict was recorded, the conflict is refreshed with the
 * current server data and the call answers 409 CONFLICT_STALE: the user decides again.
 */
export async function resolveConflict(db: Db, user: AuthUser, body: ResolveConflictBody): Promise<ResolveConflictResponse> {
  const outcome = await inTransaction(db, async (tx) => {
    const [conflict] = await tx.$queryRaw<SyncConflict[]>`
      SELECT * FROM "SyncConflict" WHERE "id" = ${body.conflictId} AND "orgId" = ${user.orgId} FOR UPDATE`;
    if (!conflict) return fail("NOT_FOUND", "No such conflict");
    if (conflict.resolvedAt) return fail("CONFLICT_ALREADY_RESOLVED", "This conflict was already resolved");
    if (body.resolution === "MANUAL") return { conflict, change: null, stale: false };

    const type = conflict.entityType as EntityType;
    const states = await loadStates(prismaSql(tx), user.orgId, [{ type, id: conflict.entityId }], true);
    const state = states.get(entityKey(type, conflict.entityId))!;
    if (state.version !== conflict.serverVersion) {
      const base = conflict.baseData as EntityData | null;
      const clientData = conflict.clientData as EntityData | null;
      const fields = base && state.data && clientData ? threeWayMerge(base, state.data, clientData).conflictingFields : [];
      const refreshed = await tx.syncConflict.update({
        where: { id: conflict.id },
        data: { serverVersion: state.version, serverData: jsonColumn(state.data), conflictingFields: fields },
      });
      return { conflict: refreshed, change: null, stale: true };
    }

    const next = target(conflict, state.data, body);
    await tx.$executeRaw`SELECT set_config('fieldsync.actor', ${user.id}, true)`;
    let operation: "CREATE" | "UPDATE" | "DELETE" | null = null;
    if (next && state.data) operation = "UPDATE";
    else if (next && !state.data) operation = "CREATE";
    else if (!next && state.data) operation = "DELETE";
    if (operation && next) {
      const missing = await missingReferences(prismaSql(tx), user.orgId, type, next);
      if (missing.length) return fail("REFERENCE_NOT_FOUND", `Referenced entity not found: ${missing.join(", ")}`);
      const strangers = await strangersIn(prismaSql(tx), user.orgId, type, next, state.data);
      if (strangers.length) return fail("USER_NOT_FOUND", unknownUsersMessage(strangers));
    }
    if (operation) await writeEntity(tx, user.orgId, type, conflict.entityId, operation, next ?? {});
    const resolved = await tx.syncConflict.update({
      where: { id: conflict.id },
      data: { resolution: body.resolution, resolvedBy: user.id, resolvedAt: new Date() },
    });
    const after = (await loadStates(prismaSql(tx), user.orgId, [{ type, id: conflict.entityId }], false)).get(entityKey(type, conflict.entityId))!;
    const kept = keptSides(conflict.conflictingFields, { client: conflict.clientData as EntityData | null, server: state.data }, after.data);
    await recordChoices(prismaSql(tx), user.orgId, conflict, kept);
    await recordAudit(tx, {
      orgId: user.orgId,
      actorId: user.id,
      action: auditActions.conflictResolved,
      targetType: "conflict",
      targetId: conflict.id,
      before: { entityType: type, entityId: conflict.entityId, resolution: conflict.resolution, version: state.version, data: state.data, clientData: conflict.clientData },
      after: { entityType: type, entityId: conflict.entityId, resolution: body.resolution, version: after.version, data: after.data },
    });
    return { conflict: resolved, change: operation ? toServerChange(after, operation, new Date()) : null, stale: false };
  });
  const [conflict] = await present(db, user.orgId, [outcome.conflict]);
  if (outcome.stale) {
    return fail("CONFLICT_STALE", "The entity changed since this conflict was recorded; review it again");
  }
  return { conflict: conflict!, change: outcome.change };
}

