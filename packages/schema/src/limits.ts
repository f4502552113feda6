// Documented request limits (README "Limits"). Changing one changes the public contract.
export const limits = {
  /** Changes in one POST /api/sync. */
  maxChangesPerPush: 1000,
  /** Changes per page of POST /api/sync/delta (PostgreSQL renders a page as one JSON text, pull.ts). */
  maxPageSize: 5000,
  defaultPageSize: 100,
  /** Other devices' changes returned with a push response before `hasMore` says "pull". */
  pushResponsePageSize: 500,
  /** Calls in one batched tRPC request (`/trpc/a,b,c?batch=1`; server default, TRPC_MAX_BATCH_CALLS). */
  maxBatchCalls: 10,
  /**
   * Rows the calls of one tRPC request may return together: a delta counts its `pageSize`, a push
   * `pushResponsePageSize`, conflict and audit lists their `limit`. A single call always fits,
   * whatever its page size.
   */
  maxBatchRows: 1000,
  /** Buckets named in one POST /api/sync/digests (`within`) or /api/sync/digests/entities. */
  maxDigestBuckets: 32,
  /** Entities named in one POST /api/sync/entities. */
  maxEntityFetch: 500,
  /** Opaque cursor tokens. */
  maxTokenLength: 2048,
  maxDeviceIdLength: 128,
  /** Nesting of any JSON request body (objects and arrays); entity payloads need about 4. */
  maxJsonDepth: 32,
  /** Any string anywhere in a request (entity fields have tighter limits of their own). */
  maxStringLength: 10_000,
  /** Any object key anywhere in a request. */
  maxKeyLength: 200,
  /** Conflict ids per POST /api/sync/conflicts/lookup (tRPC sends them in the URL of a GET). */
  maxConflictLookup: 100,
  /** Audit entries per page of GET /api/audit. */
  maxAuditPageSize: 200,
  defaultAuditPageSize: 50,
  /** Hours of history on GET /api/sync/health/dashboard; the worker keeps sync runs this long. */
  maxHealthHours: 168,
  defaultHealthHours: 6,
} as const;
