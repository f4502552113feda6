// A plain HTTP client for the REST API, as a device would use it: every answer is returned
// (status, headers, body), never thrown, so scenarios can assert on outage responses.
import { randomUUID } from "node:crypto";
import { demoPassword } from "@fieldsync/api";
import type { DeltaResponse, PushBodyInput, PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { type UserName, users } from "@fieldsync/testing/demo";

export { type UserName, seededAsset } from "@fieldsync/testing/demo";

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** No HTTP answer at all (refused, reset, timed out): the request may or may not have been processed. */
export class NoAnswer extends Error {}

export class Api {
  private readonly tokens = new Map<string, string>();

  /** `baseUrl` is read per request, so a scenario can route a call through a proxy. */
  constructor(private readonly baseUrl: () => string) {}

  async request<T = unknown>(method: string, path: string, options: { token?: string; body?: unknown; timeoutMs?: number; baseUrl?: string } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl ?? this.baseUrl()}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new NoAnswer(`${method} ${path}: ${(error as Error).message} (${String((error as { cause?: unknown }).cause ?? "")})`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new NoAnswer(`${method} ${path}: body lost: ${(error as Error).message}`);
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text for the assertion that reports it
    }
    return { status: response.status, headers: response.headers, text, body: body as T };
  }

  /** `user`'s access token on `deviceId` (tokens are valid for their own device only). */
  async token(user: UserName, deviceId = `chaos-${user}`): Promise<string> {
    const key = `${user}|${deviceId}`;
    const known = this.tokens.get(key);
    if (known) return known;
    const reply = await this.request<{ token: string }>("POST", "/api/auth/login", { body: { email: users[user], password: demoPassword, deviceId } });
    if (reply.status !== 200) throw new Error(`login of ${user} on ${deviceId} failed: ${reply.status} ${reply.text}`);
    this.tokens.set(key, reply.body.token);
    return reply.body.token;
  }

  async pushRaw(user: UserName, body: PushBodyInput, options: { timeoutMs?: number; baseUrl?: string } = {}) {
    return this.request<PushResponse>("POST", "/api/sync", { token: await this.token(user, body.deviceId), body, ...options });
  }

  /** A push that must succeed. */
  async push(user: UserName, body: PushBodyInput): Promise<PushResponse> {
    const reply = await this.pushRaw(user, body);
    if (reply.status !== 200) throw new Error(`push failed: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  async delta(user: UserName, body: { deviceId: string; pageToken?: string; pageSize?: number; lastSyncTimestamp?: string }) {
    const reply = await this.request<DeltaResponse>("POST", "/api/sync/delta", { token: await this.token(user, body.deviceId), body });
    if (reply.status !== 200) throw new Error(`delta failed: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  async get<T>(user: UserName, path: string) {
    const reply = await this.request<T>("GET", path, { token: await this.token(user) });
    if (reply.status !== 200) throw new Error(`GET ${path} failed: ${reply.status} ${reply.text}`);
    return reply.body;
  }
}

export const now = () => new Date().toISOString();

export const createAsset = (entityId: string, payload: Record<string, unknown>): SyncChangeInput => ({
  changeId: randomUUID(),
  entityType: "asset",
  entityId,
  operation: "CREATE",
  payload,
  clientVersion: 0,
  timestamp: now(),
});

export const change = (
  entityType: SyncChangeInput["entityType"],
  operation: SyncChangeInput["operation"],
  entityId: string,
  clientVersion: number,
  payload: Record<string, unknown>,
): SyncChangeInput => ({ changeId: randomUUID(), entityType, entityId, operation, payload, clientVersion, timestamp: now() });

export const updateAsset = (entityId: string, clientVersion: number, payload: Record<string, unknown>) =>
  change("asset", "UPDATE", entityId, clientVersion, payload);
