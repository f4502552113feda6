import {
  type BucketEntitiesBody,
  type BucketEntitiesResponse,
  type Conflict,
  type DigestsBody,
  type DigestsResponse,
  type FetchEntitiesBody,
  type FetchEntitiesResponse,
  type DeltaBodyInput,
  type DeltaResponse,
  type Device,
  type LoginBody,
  type LoginResponse,
  type LookupConflictsResponse,
  type PushBodyInput,
  type PushResponse,
  type ResolveConflictBody,
  type StreamTicketResponse,
  type ResolveConflictResponse,
  type SyncStatusResponse,
  bucketEntitiesResponseSchema,
  deltaResponseSchema,
  deviceResponseSchema,
  digestsResponseSchema,
  fetchEntitiesResponseSchema,
  listConflictsResponseSchema,
  loginResponseSchema,
  lookupConflictsResponseSchema,
  pushResponseSchema,
  resolveConflictResponseSchema,
  streamTicketResponseSchema,
  subscriptionResponseSchema,
  syncStatusResponseSchema,
  type Subscription,
} from "@fieldsync/schema";
import { z } from "zod";

/** The server answered with an error body (`{statusCode, code, message, issues?}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string; code: string }[] = [],
    /** How long the server asked the client to wait before trying again (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A Retry-After header (delay-seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** No answer: offline, DNS, reset, timeout. The request may or may not have been processed. */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetworkError";
  }
}

/** The answer did not match the shared schema: a server/client version mismatch or a bug. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** Worth retrying unchanged later: nothing the client sent was wrong. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) return error.status >= 500 || error.status === 429 || error.status === 408;
  return false;
}

const errorBodySchema = z.object({
  statusCode: z.number().optional(),
  code: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
});

export interface ApiClientOptions {
  /** Origin of the API, e.g. `location.origin` in the app and `self.location.origin` in the worker. */
  baseUrl: string;
  /** The bearer token; null sends none. */
  getToken: () => string | null | Promise<string | null>;
  /**
   * Called once when the server answers 401 to `rejected`: a fresh token to retry with, or null
   * to give up (then the 401 is thrown).
   */
  renewToken?: (rejected: string) => Promise<string | null>;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** Request bodies at least this large travel gzip-compressed (Content-Encoding: gzip). */
export const compressRequestsAbove = 16 * 1024;

/**
 * Gzips a large body where the platform has CompressionStream (browsers, service workers, Node 18+);
 * elsewhere it goes as is. Push bodies are JSON with repetitive keys: typically 80 % smaller.
 */
async function encodeBody(json: string): Promise<{ body: string | ArrayBuffer; gzip: boolean }> {
  if (json.length < compressRequestsAbove || typeof CompressionStream === "undefined") return { body: json, gzip: false };
  const stream = new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"));
  return { body: await new Response(stream).arrayBuffer(), gzip: true };
}

/** The REST API of the sync server, every response checked against the shared schemas. */
export class ApiClient {
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  login(body: LoginBody): Promise<LoginResponse> {
    return this.request("POST", "/api/auth/login", loginResponseSchema, body, false);
  }

  /** Exchanges a single-use refresh token for a new pair; `deviceId` is the one it was issued on. */
  refresh(refreshToken: string, deviceId: string): Promise<LoginResponse> {
    return this.request("POST", "/api/auth/refresh", loginResponseSchema, { refreshToken, deviceId }, false);
  }

  /** A single-use ticket for `GET /api/sync/events?ticket=` (EventSource cannot send a token). */
  streamTicket(): Promise<StreamTicketResponse> {
    return this.request("POST", "/api/sync/events/ticket", streamTicketResponseSchema);
  }

  push(body: PushBodyInput): Promise<PushResponse> {
    return this.request("POST", "/api/sync", pushResponseSchema, body);
  }

  delta(body: DeltaBodyInput): Promise<DeltaResponse> {
    return this.request("POST", "/api/sync/delta", deltaResponseSchema, body);
  }

  async registerDevice(deviceId: string, deviceName?: string): Promise<Device> {
    const body = deviceName === undefined ? { deviceId } : { deviceId, deviceName };
    return (await this.request("POST", "/api/sync/devices", deviceResponseSchema, body)).device;
  }

  async listConflicts(): Promise<Conflict[]> {
    return (await this.request("GET", "/api/sync/conflicts", listConflictsResponseSchema)).conflicts;
  }

  /** The state of named conflicts (at most limits.maxConflictLookup ids per call). */
  async lookupConflicts(conflictIds: string[]): Promise<LookupConflictsResponse["conflicts"]> {
    return (await this.request("POST", "/api/sync/conflicts/lookup", lookupConflictsResponseSchema, { conflictIds })).conflicts;
  }

  resolveConflict(body: ResolveConflictBody): Promise<ResolveConflictResponse> {
    return this.request("POST", "/api/sync/conflicts/resolve", resolveConflictResponseSchema, body);
  }

  /** Declares what this device keeps offline; the answer lists entities to drop locally. */
  setSubscription(deviceId: string, subscription: Subscription) {
    return this.request("PUT", "/api/sync/subscription", subscriptionResponseSchema, { deviceId, subscription });
  }

  /** Bucket digests of this device's scope (replica verification, verify.ts). */
  digests(body: DigestsBody): Promise<DigestsResponse> {
    return this.request("POST", "/api/sync/digests", digestsResponseSchema, body);
  }

  bucketEntities(body: BucketEntitiesBody): Promise<BucketEntitiesResponse> {
    return this.request("POST", "/api/sync/digests/entities", bucketEntitiesResponseSchema, body);
  }

  fetchEntities(body: FetchEntitiesBody): Promise<FetchEntitiesResponse> {
    return this.request("POST", "/api/sync/entities", fetchEntitiesResponseSchema, body);
  }

  status(): Promise<SyncStatusResponse> {
    return this.request("GET", "/api/sync/status", syncStatusResponseSchema);
  }

  private async request<T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    authenticated = true,
  ): Promise<T> {
    const token = authenticated ? await this.options.getToken() : null;
    try {
      return await this.send(method, path, schema, body, token);
    } catch (error) {
      // An access token can die early (server restart with a new key, clock skew): renew once.
      if (!(error instanceof ApiError && error.status === 401 && token && this.options.renewToken)) throw error;
      const renewed = await this.options.renewToken(token);
      if (!renewed) throw error;
      return this.send(method, path, schema, body, renewed);
    }
  }

  private async send<T>(method: "GET" | "POST" | "PUT", path: string, schema: z.ZodType<T>, body: unknown, token: string | null): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers["authorization"] = `Bearer ${token}`;
    const encoded = body === undefined ? null : await encodeBody(JSON.stringify(body));
    if (encoded?.gzip) headers["content-encoding"] = "gzip";
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(new URL(path, this.options.baseUrl).toString(), {
        method,
        headers,
        body: encoded?.body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (cause) {
      throw new NetworkError(`${method} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    // Sent with 503 and 429 (by us, or by a proxy in front): the client waits at least that long.
    const retryAfterMs = response.ok ? undefined : parseRetryAfter(response.headers.get("retry-after"));
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      // A proxy's or captive portal's HTML page: transport trouble, not an API answer.
      if (!response.ok) throw new ApiError(response.status, "HTTP_ERROR", `${method} ${path}: HTTP ${response.status}`, [], retryAfterMs);
      throw new ProtocolError(`${method} ${path}: response is not JSON`);
    }
    if (!response.ok) {
      const parsed = errorBodySchema.safeParse(json);
      if (!parsed.success) throw new ApiError(response.status, "HTTP_ERROR", `${method} ${path}: HTTP ${response.status}`, [], retryAfterMs);
      throw new ApiError(response.status, parsed.data.code, parsed.data.message, parsed.data.issues, retryAfterMs);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProtocolError(`${method} ${path}: unexpected response (${issue?.path.join(".")}: ${issue?.message})`);
    }
    return parsed.data;
  }
}
