import { z } from "zod";
import { isoDateTime } from "./fields.ts";
import { limits } from "./limits.ts";

/** GET /api/audit: newest first; `cursor` is the opaque `nextCursor` of the previous page. */
export const listAuditQuerySchema = z.strictObject({
  cursor: z.string().max(limits.maxTokenLength).optional(),
  limit: z.coerce.number().int().min(1).max(limits.maxAuditPageSize).default(limits.defaultAuditPageSize),
  action: z.string().max(64).optional(),
  targetType: z.string().max(64).optional(),
  targetId: z.string().max(200).optional(),
});
export type ListAuditQuery = z.infer<typeof listAuditQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  actorId: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  createdAt: isoDateTime,
});
export type AuditEntryView = z.infer<typeof auditEntrySchema>;

export const listAuditResponseSchema = z.object({
  entries: z.array(auditEntrySchema),
  /** Null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ListAuditResponse = z.infer<typeof listAuditResponseSchema>;
