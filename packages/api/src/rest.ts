import type { AppRouter } from "./root.ts";

/**
 * The spec's REST endpoints, each a thin mapping onto a tRPC procedure (one implementation for
 * both transports). `input` assembles the procedure input from the HTTP request.
 */
export interface RestRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  procedure: string;
  input: (request: { body: unknown; params: Record<string, string>; query: Record<string, string> }) => unknown;
  /** Success status (default 200). */
  status?: number;
}

const body = (r: { body: unknown }) => r.body;
const none = () => undefined;

export const restRoutes: RestRoute[] = [
  { method: "POST", url: "/api/auth/login", procedure: "auth.login", input: body },
  { method: "POST", url: "/api/auth/refresh", procedure: "auth.refresh", input: body },
  { method: "POST", url: "/api/sync", procedure: "sync.push", input: body },
  { method: "POST", url: "/api/sync/delta", procedure: "sync.delta", input: body },
  { method: "GET", url: "/api/sync/status", procedure: "sync.status", input: none },
  { method: "GET", url: "/api/sync/devices", procedure: "devices.list", input: none },
  { method: "POST", url: "/api/sync/devices", procedure: "devices.register", input: body, status: 201 },
  { method: "DELETE", url: "/api/sync/devices/:deviceId", procedure: "devices.revoke", input: (r) => r.params },
  { method: "PUT", url: "/api/sync/subscription", procedure: "devices.subscribe", input: body },
  { method: "GET", url: "/api/sync/conflicts", procedure: "conflicts.list", input: (r) => r.query },
  { method: "POST", url: "/api/sync/conflicts/resolve", procedure: "conflicts.resolve", input: body },
  { method: "GET", url: "/api/sync/queue/stats", procedure: "queue.stats", input: none },
  { method: "POST", url: "/api/sync/queue/retry", procedure: "queue.retry", input: body },
  { method: "POST", url: "/api/sync/cache/invalidate", procedure: "queue.invalidateCache", input: body },
  { method: "GET", url: "/api/audit", procedure: "audit.list", input: (r) => r.query },
];

export type { AppRouter };
