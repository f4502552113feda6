import type { Db } from "@fieldsync/db";
import type { ListAuditQuery, ListAuditResponse } from "@fieldsync/schema";
import type { ApiConfig } from "../config.ts";
import type { AuthUser } from "../context.ts";
import { fail } from "../errors.ts";
import { seal, unseal } from "../seal.ts";

/** Position after the last entry of a page; sealed and bound to the organization. */
interface AuditCursor {
  kind: "audit";
  org: string;
  createdAt: string;
  id: string;
}

/**
 * One page of the organization's audit trail, newest first, keyset-paginated on (createdAt, id)
 * so entries appended meanwhile never shift a page. Another organization's cursor is INVALID_TOKEN.
 */
export async function listAudit(db: Db, config: ApiConfig, user: AuthUser, query: ListAuditQuery): Promise<ListAuditResponse> {
  let after: AuditCursor | null = null;
  if (query.cursor) {
    after = unseal(config.cursorSecret, query.cursor) as AuditCursor | null;
    if (after?.kind !== "audit" || after.org !== user.orgId) return fail("INVALID_TOKEN", "The cursor is not valid");
  }
  const rows = await db.auditLog.findMany({
    where: {
      orgId: user.orgId,
      action: query.action,
      targetType: query.targetType,
      targetId: query.targetId,
      ...(after && {
        OR: [
          { createdAt: { lt: new Date(after.createdAt) } },
          { createdAt: new Date(after.createdAt), id: { lt: after.id } },
        ],
      }),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? seal(config.cursorSecret, { kind: "audit", org: user.orgId, createdAt: last.createdAt.toISOString(), id: last.id } satisfies AuditCursor)
      : null;
  return {
    entries: page.map((row) => ({
      id: row.id,
      actorId: row.actorId,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      before: row.before,
      after: row.after,
      createdAt: row.createdAt.toISOString(),
    })),
    nextCursor,
  };
}
