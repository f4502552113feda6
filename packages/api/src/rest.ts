import type { ErrorCode } from "@fieldsync/schema";
import type { AppRouter } from "./root.ts";

type RestRequest = { body: unknown; params: Record<string, string>; query: Record<string, string> };

/** Where a route's procedure input comes from; the OpenAPI document (openapi.ts) follows it too. */
export type InputSource = "body" | "query" | "params" | "none";

/**
 * The codes reading a route's input can answer with: the server's JSON parser (MALFORMED_JSON,
 * FORBIDDEN_KEY, PAYLOAD_TOO_LARGE), the input shape check (FORBIDDEN_KEY, VALIDATION_FAILED) and
 * the procedure's zod schema (VALIDATION_FAILED). Path parameters are single strings: no keys.
 */
export const inputErrors: Record<InputSource, readonly ErrorCode[]> = {
  body: ["VALIDATION_FAILED", "MALFORMED_JSON", "FORBIDDEN_KEY", "PAYLOAD_TOO_LARGE"],
  query: ["VALIDATION_FAILED", "FORBIDDEN_KEY"],
  params: ["VALIDATION_FAILED"],
  none: [],
};

/**
 * The spec's REST endpoints, each a thin mapping onto a tRPC procedure (one implementation for
 * both transports). `input` assembles the procedure input from the HTTP request. This table is
 * also the source of the OpenAPI document (`openapi.ts`) with the procedures' schemas and meta
 * (access and error codes, `trpc.ts`): `summary` is its prose.
 */
export interface RestRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  procedure: string;
  source: InputSource;
  input: (request: RestRequest) => unknown;
  summary: string;
  /** Success status (default 200). */
  status?: number;
}

const readers: Record<InputSource, RestRoute["input"]> = {
  body: (r) => r.body,
  query: (r) => r.query,
  params: (r) => r.params,
  none: () => undefined,
};

const route = (r: Omit<RestRoute, "input">): RestRoute => ({
  ...r,
  input: readers[r.source],
});

export const restRoutes: RestRoute[] = [
  route({ method: "POST", url: "/api/auth/login", procedure: "auth.login", source: "body", summary: "Log in: a short-lived access token and a single-use refresh token" }),
  route({ method: "POST", url: "/api/auth/refresh", procedure: "auth.refresh", source: "body", summary: "Exchange a refresh token for a new pair (each refresh token works once)" }),
  route({ method: "POST", url: "/api/sync", procedure: "sync.push", source: "body", summary: "Push changes; receive other devices' changes" }),
  route({ method: "POST", url: "/api/sync/delta", procedure: "sync.delta", source: "body", summary: "One page of changes since a sync token" }),
  route({ method: "POST", url: "/api/sync/events/ticket", procedure: "sync.streamTicket", source: "none", summary: "A single-use ticket (valid 30 s) for GET /api/sync/events?ticket= on the caller's device" }),
  route({ method: "POST", url: "/api/sync/digests", procedure: "verify.digests", source: "body", summary: "Digests of the caller's buckets (the 256 top-level ones, or the sub-buckets of `within`), to verify a replica" }),
  route({ method: "POST", url: "/api/sync/digests/entities", procedure: "verify.buckets", source: "body", summary: "(id, version, checksum) of every live entity in up to 32 buckets" }),
  route({ method: "POST", url: "/api/sync/entities", procedure: "verify.entities", source: "body", summary: "Current state of up to 500 named entities (a replica repair re-downloads what differs)" }),
  route({ method: "GET", url: "/api/sync/status", procedure: "sync.status", source: "none", summary: "The caller's devices, queue, open conflicts, background mode and health" }),
  route({ method: "GET", url: "/api/sync/devices", procedure: "devices.list", source: "none", summary: "Own devices (admins: the organization's)" }),
  route({ method: "POST", url: "/api/sync/devices", procedure: "devices.register", source: "body", status: 201, summary: "Register a device explicitly; the way back after a revocation" }),
  route({ method: "DELETE", url: "/api/sync/devices/:deviceId", procedure: "devices.revoke", source: "params", summary: "Revoke a device (own devices; admins any in the organization)" }),
  route({ method: "PUT", url: "/api/sync/devices/label", procedure: "devices.rename", source: "body", summary: "Name a device (own devices; admins any in the organization); null goes back to the derived name such as \"Theo's Pixel 7\"" }),
  route({ method: "PUT", url: "/api/sync/subscription", procedure: "devices.subscribe", source: "body", summary: "What the device keeps offline (selective sync)" }),
  route({ method: "GET", url: "/api/sync/conflicts", procedure: "conflicts.list", source: "query", summary: "Open conflicts of the organization" }),
  route({ method: "POST", url: "/api/sync/conflicts/lookup", procedure: "conflicts.lookup", source: "body", summary: "State (open, resolved, unknown) of up to 100 named conflicts, whatever the organization's open list holds" }),
  route({ method: "POST", url: "/api/sync/conflicts/resolve", procedure: "conflicts.resolve", source: "body", summary: "Resolve a conflict (409 CONFLICT_STALE when the entity changed meanwhile)" }),
  route({ method: "GET", url: "/api/sync/queue/stats", procedure: "queue.stats", source: "none", summary: "Queue counts per status, oldest pending, per-device backlog" }),
  route({ method: "POST", url: "/api/sync/queue/retry", procedure: "queue.retry", source: "body", summary: "Put FAILED changes back in the queue" }),
  route({ method: "POST", url: "/api/sync/cache/invalidate", procedure: "queue.invalidateCache", source: "body", summary: "Drop cached responses and force devices to resync" }),
  route({ method: "GET", url: "/api/sync/health/dashboard", procedure: "health.dashboard", source: "query", summary: "Sync health over the last hours (backlog, conflict and failure rates, sync duration percentiles), alert states and per-device state" }),
  route({ method: "GET", url: "/api/users", procedure: "users.list", source: "none", summary: "The active users of the caller's organization (whom a task can be assigned to)" }),
  route({ method: "GET", url: "/api/audit", procedure: "audit.list", source: "query", summary: "The organization's audit trail, newest first" }),
];

export type { AppRouter };
