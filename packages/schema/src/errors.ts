import { z } from "zod";

// Stable error codes. Clients branch on them and alerts count them: never rename one.
export const errorCodes = {
  VALIDATION_FAILED: "VALIDATION_FAILED",
  MALFORMED_JSON: "MALFORMED_JSON",
  /** A `__proto__`, `constructor` or `prototype` key anywhere in the input (issues name its path). */
  FORBIDDEN_KEY: "FORBIDDEN_KEY",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  DEVICE_REVOKED: "DEVICE_REVOKED",
  DEVICE_OWNED_BY_ANOTHER_USER: "DEVICE_OWNED_BY_ANOTHER_USER",
  /** The request names a device other than the one its access token was issued for. */
  DEVICE_MISMATCH: "DEVICE_MISMATCH",
  /** The user already has the configured number of active (non-revoked) devices. */
  DEVICE_LIMIT_REACHED: "DEVICE_LIMIT_REACHED",
  /** Too many open event streams for this user or device. */
  STREAM_LIMIT_REACHED: "STREAM_LIMIT_REACHED",
  INVALID_TOKEN: "INVALID_TOKEN",
  CONFLICT_ALREADY_RESOLVED: "CONFLICT_ALREADY_RESOLVED",
  CONFLICT_STALE: "CONFLICT_STALE",
  MERGE_DATA_REQUIRED: "MERGE_DATA_REQUIRED",
  REFERENCE_NOT_FOUND: "REFERENCE_NOT_FOUND",
  /** A user field (a task's assignee) names no active user of the caller's organization. */
  USER_NOT_FOUND: "USER_NOT_FOUND",
  RATE_LIMITED: "RATE_LIMITED",
  /** A batched /trpc request with too many calls, or whose calls may return too many rows together. */
  BATCH_TOO_LARGE: "BATCH_TOO_LARGE",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /**
   * The server is applying as many pushes as it takes at once and its queue is full (or the push
   * waited its longest): nothing was written; retry after Retry-After with the same changes.
   */
  SERVER_BUSY: "SERVER_BUSY",
  /**
   * The push's `schemaVersion` is older than the server takes (oldestSupportedSchemaVersion):
   * nothing was written; the app updates itself, then pushes the same changes again.
   */
  SCHEMA_VERSION_TOO_OLD: "SCHEMA_VERSION_TOO_OLD",
  /** The push's `schemaVersion` is newer than the server's: nothing was written; keep the changes and retry once the server is updated. */
  SCHEMA_VERSION_UNKNOWN: "SCHEMA_VERSION_UNKNOWN",
  INTERNAL: "INTERNAL",
} as const;
export type ErrorCode = keyof typeof errorCodes;

/** Why a single change of a push was not applied (the push itself succeeded). */
export const rejectionCodes = {
  CHECKSUM_MISMATCH: "CHECKSUM_MISMATCH",
  ENTITY_NOT_FOUND: "ENTITY_NOT_FOUND",
  ENTITY_DELETED: "ENTITY_DELETED",
  REFERENCE_NOT_FOUND: "REFERENCE_NOT_FOUND",
  /** A user field (a task's assignee) names no active user of the caller's organization. */
  USER_NOT_FOUND: "USER_NOT_FOUND",
  VERSION_AHEAD: "VERSION_AHEAD",
  /** A queued change that no longer fits its entity schema. */
  INVALID_PAYLOAD: "INVALID_PAYLOAD",
  /** A queued change that failed on every attempt (a dead letter; see SyncQueue.errorCode). */
  PROCESSING_FAILED: "PROCESSING_FAILED",
  /** The changeId was already used by this device for a different change; nothing was written. */
  CHANGE_ID_REUSED: "CHANGE_ID_REUSED",
  /** Applying the change failed for an unexpected reason (logged); the rest of the push applied. */
  CHANGE_FAILED: "CHANGE_FAILED",
} as const;
export type RejectionCode = keyof typeof rejectionCodes;

/** Body of every error response of the REST API (a schema so the OpenAPI document shows it). */
export const errorBodySchema = z.object({
  statusCode: z.int(),
  code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  /** For VALIDATION_FAILED: zod issues, `path` joined with dots (e.g. `changes.3.payload.name`). */
  issues: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
