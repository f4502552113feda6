import type { Db } from "@fieldsync/db";
import type { EntityData, EntityType, OrgUser } from "@fieldsync/schema";
import { getUserReferences, unknownUsers } from "@fieldsync/sync-core";
import type { AuthUser } from "../context.ts";
import type { Sql } from "./sql.ts";

// The users an entity's user fields (a task's assignee) may name: the active users of the
// writer's organization. The push path asks only about the ids a batch names.

/** The active users of the caller's organization, by name (what the assignee picker offers). */
export const listUsers = (db: Db, user: Pick<AuthUser, "orgId">): Promise<OrgUser[]> =>
  db.user.findMany({ where: { orgId: user.orgId, isActive: true }, select: { id: true, name: true, role: true }, orderBy: [{ name: "asc" }, { id: "asc" }] });

/** Which of `ids` are active users of `orgId`; one query, none for no ids. */
export async function activeUserIds(sql: Sql, orgId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await sql.query<{ id: string }>(`SELECT "id" FROM "User" WHERE "orgId" = $1 AND "isActive" AND "id" = ANY($2::text[])`, [orgId, [...new Set(ids)]]);
  return new Set(rows.map((row) => row.id));
}

/**
 * The user fields `next` sets to someone who is not an active user of `orgId`; fields keeping the
 * value `current` holds are not asked about (an assignee who has since left may stay).
 */
export async function strangersIn(sql: Sql, orgId: string, type: EntityType, next: EntityData, current: EntityData | null): Promise<string[]> {
  const set = Object.fromEntries(getUserReferences(type, next).filter((ref) => current?.[ref.field] !== ref.id).map((ref) => [ref.field, ref.id]));
  const users = await activeUserIds(sql, orgId, Object.values(set));
  return unknownUsers(type, set, (id) => users.has(id));
}
