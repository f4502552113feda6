import { Prisma } from "@fieldsync/db";

// Errors that mean "PostgreSQL is not answering right now" (down, restarting, recovering, out of
// connections) rather than "this request is wrong". The host answers them with 503 and
// Retry-After so clients keep their changes and retry; nothing of the request was committed
// unless its transaction had already committed (pushes are exactly-once, so a retry is safe).

/** Prisma codes: can't reach (P1001), timeout reaching (P1002), socket timeout (P1008), closed (P1017), pool timeout (P2024). */
const unavailablePrismaCodes = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** Driver adapter error kinds with the same meaning. */
const unavailableKinds = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** SQLSTATEs: connection exceptions (08…), shutdown / crash / starting up (57P01–57P03), too many connections. */
const unavailableState = (state: string) => state.startsWith("08") || ["57P01", "57P02", "57P03", "53300"].includes(state);
/** Socket errors and node-postgres' messages for a connection that went away. */
const unavailableSocketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);
/**
 * …and the pool being exhausted (no transaction within maxWait, P2028; no connection within the
 * pool's connectionTimeoutMillis): overload, not a bad request.
 */
const unavailableMessages = [
  /^Connection terminated/,
  /Client has encountered a connection error/,
  /Can't reach database server/,
  /Unable to start a transaction in the given time/,
  /^timeout exceeded when trying to connect/,
];

interface AdapterCause {
  kind?: string;
  originalCode?: string;
}

/** A driver adapter error's cause: in a Prisma error's meta, or thrown bare (e.g. by a failed COMMIT). */
const unavailableAdapterCause = (cause: AdapterCause | undefined) =>
  Boolean((cause?.kind && unavailableKinds.has(cause.kind)) || (cause?.originalCode && unavailableState(cause.originalCode)));

function unavailableOne(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  if (error instanceof Prisma.PrismaClientInitializationError && error.errorCode && unavailablePrismaCodes.has(error.errorCode)) return true;
  const { code, message, meta } = error as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: AdapterCause } } };
  if (typeof code === "string" && (unavailablePrismaCodes.has(code) || unavailableSocketCodes.has(code) || unavailableState(code))) return true;
  if (unavailableAdapterCause(error as AdapterCause) || unavailableAdapterCause(meta?.driverAdapterError?.cause)) return true;
  return typeof message === "string" && unavailableMessages.some((pattern) => pattern.test(message));
}

/** True when `error`, or anything in its cause chain, says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    if (unavailableOne(current)) return true;
  }
  return false;
}

/** What the host sends in Retry-After while the database is unavailable. */
export const databaseRetryAfterSeconds = 5;
