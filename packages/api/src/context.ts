import type { Db } from "@fieldsync/db";
import type { Role } from "@fieldsync/schema";
import type { ApiConfig } from "./config.ts";
import { verifyAccessToken } from "./auth/jwt.ts";
import type { BackgroundQueue } from "./queue/background-queue.ts";
import type { ResponseCache } from "./queue/response-cache.ts";
import type { ChangeNotifier } from "./realtime/notifier.ts";

export interface Deps {
  db: Db;
  config: ApiConfig;
  /** The worker's job queue; null when the process runs without Redis. */
  queue: BackgroundQueue | null;
  /** Redis response cache; null without Redis. */
  cache: ResponseCache | null;
  /** Announces new changes to live clients (SSE); null when nobody listens. */
  notifier?: ChangeNotifier | null;
  /** Where failures the API answers and goes on from are logged (the host's logger). */
  log?: { warn(details: object, message: string): void };
}

export interface AuthUser {
  id: string;
  orgId: string;
  email: string;
  role: Role;
}

export interface Context extends Deps {
  user: AuthUser | null;
  /** The client's address as the host sees it (login throttling); null outside HTTP. */
  ip: string | null;
}

export interface RequestMeta {
  ip?: string;
}

/**
 * Builds the request context from an Authorization header value. Pure apart from the database
 * lookup, so tests call it directly. The user is re-read on every request: a deactivated user or
 * one moved out of the organization loses access at once, whatever the token says.
 */
export async function createContextInner(deps: Deps, authorization: string | undefined, meta: RequestMeta = {}): Promise<Context> {
  const ip = meta.ip ?? null;
  const claims = authorization?.startsWith("Bearer ")
    ? await verifyAccessToken(deps.config, authorization.slice(7))
    : null;
  if (!claims) return { ...deps, ip, user: null };
  const user = await deps.db.user.findUnique({
    where: { id: claims.sub },
    select: { id: true, orgId: true, email: true, role: true, isActive: true },
  });
  if (!user?.isActive || user.orgId !== claims.orgId) return { ...deps, ip, user: null };
  return { ...deps, ip, user: { id: user.id, orgId: user.orgId, email: user.email, role: user.role } };
}
