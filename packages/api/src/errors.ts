import { type ErrorBody, type ErrorCode, type JsonShapeIssue, errorCodes, unrecognizedKeyMessage } from "@fieldsync/schema";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { databaseRetryAfterSeconds } from "./database-unavailable.ts";

type TRPCCode = TRPCError["code"];

const trpcCodeOf: Record<ErrorCode, TRPCCode> = {
  VALIDATION_FAILED: "BAD_REQUEST",
  MALFORMED_JSON: "BAD_REQUEST",
  FORBIDDEN_KEY: "BAD_REQUEST",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  DEVICE_REVOKED: "FORBIDDEN",
  DEVICE_OWNED_BY_ANOTHER_USER: "FORBIDDEN",
  DEVICE_MISMATCH: "FORBIDDEN",
  DEVICE_LIMIT_REACHED: "FORBIDDEN",
  STREAM_LIMIT_REACHED: "TOO_MANY_REQUESTS",
  INVALID_TOKEN: "BAD_REQUEST",
  CONFLICT_ALREADY_RESOLVED: "CONFLICT",
  CONFLICT_STALE: "CONFLICT",
  MERGE_DATA_REQUIRED: "BAD_REQUEST",
  REFERENCE_NOT_FOUND: "CONFLICT",
  USER_NOT_FOUND: "CONFLICT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  BATCH_TOO_LARGE: "BAD_REQUEST",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  SERVER_BUSY: "SERVICE_UNAVAILABLE",
  SCHEMA_VERSION_TOO_OLD: "PRECONDITION_FAILED",
  SCHEMA_VERSION_UNKNOWN: "PRECONDITION_FAILED",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

/** The HTTP status an error code is answered with (on both transports). */
export const httpStatusOf = (code: ErrorCode): number => getHTTPStatusCodeFromError(new TRPCError({ code: trpcCodeOf[code] }));

const defaultCodeOf: Partial<Record<TRPCCode, ErrorCode>> = {
  BAD_REQUEST: "VALIDATION_FAILED",
  PARSE_ERROR: "MALFORMED_JSON",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  TOO_MANY_REQUESTS: "RATE_LIMITED",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

/** Carries our stable code (and validation issues) through tRPC as the error's cause. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorBody["issues"],
    /** Seconds, for RATE_LIMITED, SERVICE_UNAVAILABLE and SERVER_BUSY: the transports send it as the Retry-After header. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The error of one of our codes, for a transport to send (tRPC maps it to status and body). */
export const appError = (code: ErrorCode, message: string, issues?: ErrorBody["issues"], retryAfter?: number) =>
  new TRPCError({ code: trpcCodeOf[code], message, cause: new AppError(code, message, issues, retryAfter) });

export const fail = (code: ErrorCode, message: string, issues?: ErrorBody["issues"], retryAfter?: number): never => {
  throw appError(code, message, issues, retryAfter);
};

/** PostgreSQL is not answering: 503 + Retry-After, so clients keep their changes and retry later. */
export const databaseUnavailableError = (original: unknown) => {
  // Already translated by an inner layer (procedure middleware, then the REST error handler).
  if (original instanceof TRPCError && original.cause instanceof AppError && original.cause.code === "SERVICE_UNAVAILABLE") return original;
  const message = "The database is unavailable; retry later";
  // The driver's error stays reachable for the server log (never sent to the client).
  const cause = Object.assign(new AppError("SERVICE_UNAVAILABLE", message, undefined, databaseRetryAfterSeconds), { cause: original });
  return new TRPCError({ code: "SERVICE_UNAVAILABLE", message, cause });
};

/** The one message of every 401: it never tells which check failed (unknown user, wrong password, bad token). */
export const unauthorizedMessage = "Authentication failed";

/** Retry-After (seconds) carried by an error, if any. */
export const retryAfterOf = (error: unknown): number | undefined => {
  const cause = error instanceof TRPCError ? error.cause : undefined;
  return cause instanceof AppError ? cause.retryAfter : undefined;
};

/** The error for a raw input whose shape `jsonShapeIssue` refused; prototype keys have a code of their own. */
export const inputShapeError = (issue: JsonShapeIssue) =>
  issue.code === "forbidden_key"
    ? appError("FORBIDDEN_KEY", `The key at ${issue.path} is not allowed`, [issue])
    : appError("VALIDATION_FAILED", "The request is not valid", [issue]);

interface IssueLike {
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message: string;
  code?: string;
  keys?: string[];
}

const joinPath = (path: IssueLike["path"] = []) => path.map((p) => String(typeof p === "object" ? p.key : p)).join(".");

/** zod issues as the error body lists them; an unknown key is reported at its own path, with why. */
const issuesOf = (cause: unknown): ErrorBody["issues"] => {
  const issues = (cause as { issues?: IssueLike[] } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" && issue.keys
      ? issue.keys.map((key) => ({ path: joinPath([...(issue.path ?? []), key]), message: unrecognizedKeyMessage(key), code: issue.code! }))
      : [{ path: joinPath(issue.path), message: issue.message, code: issue.code ?? "custom" }],
  );
};

/**
 * The one error body of the API (REST responses and tRPC `error.data`). 5xx messages are generic:
 * details go to the log, never to the client.
 */
export function toErrorBody(error: TRPCError): ErrorBody {
  const statusCode = getHTTPStatusCodeFromError(error);
  const cause = error.cause;
  if (cause instanceof AppError) {
    return { statusCode, code: cause.code, message: cause.message, ...(cause.issues && { issues: cause.issues }) };
  }
  const issues = issuesOf(cause);
  if (issues) return { statusCode, code: errorCodes.VALIDATION_FAILED, message: "The request is not valid", issues };
  if (statusCode >= 500) return { statusCode, code: errorCodes.INTERNAL, message: "Internal server error" };
  return { statusCode, code: defaultCodeOf[error.code] ?? errorCodes.INTERNAL, message: error.message };
}
