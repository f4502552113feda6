// The demo users' HTTP calls, over any transport: `app.inject` in the server's own tests, fetch
// against a server process elsewhere. Sessions are device-bound, so tokens are kept per
// (user, device).
import { demoPassword } from "@fieldsync/api";
import type { PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { type UserName, kitDevice, users } from "./demo.ts";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Request {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  payload?: object;
}

/** The shape of Fastify's `app.inject` answer, which fetchTransport mimics. */
// any: each test reads the fields of the answer it expects
export type Send = (request: Request) => Promise<{ statusCode: number; body: string; json(): any }>;

/** Requests to the server at `baseUrl` over HTTP. */
export const fetchTransport =
  (baseUrl: string): Send =>
  async ({ method, url, headers, payload }) => {
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers: { ...(payload !== undefined && { "content-type": "application/json" }), ...headers },
      ...(payload !== undefined && { body: JSON.stringify(payload) }),
    });
    const body = await response.text();
    return { statusCode: response.status, body, json: () => JSON.parse(body) };
  };

/** The device a request body names, if any: a real client sends it with that device's token. */
const namedDevice = (payload: unknown) =>
  typeof payload === "object" && payload !== null && "deviceId" in payload && typeof payload.deviceId === "string" ? payload.deviceId : null;

export function sessionClient(send: Send) {
  const tokens = new Map<string, string>();

  /**
   * A password login of `user` on `deviceId`: a new session, which `token` and `call` use from
   * then on. Throws unless it succeeds.
   */
  const login = async (user: UserName, deviceId = kitDevice(user)) => {
    const response = await send({ method: "POST", url: "/api/auth/login", payload: { email: users[user], password: demoPassword, deviceId } });
    if (response.statusCode !== 200) throw new Error(`login of ${user} on ${deviceId} failed: ${response.statusCode} ${response.body}`);
    const session = response.json() as { token: string; refreshToken: string };
    tokens.set(`${user}|${deviceId}`, session.token);
    return session;
  };

  /** The access token of `user`'s session on `deviceId` (logged in on first use). */
  const token = async (user: UserName, deviceId = kitDevice(user)) => tokens.get(`${user}|${deviceId}`) ?? (await login(user, deviceId)).token;

  /** As `user`, with the token of the device the body names (or the user's kit device). */
  const call = async (user: UserName | null, method: Method, url: string, payload?: unknown) => {
    const headers = user ? { authorization: `Bearer ${await token(user, namedDevice(payload) ?? kitDevice(user))}` } : undefined;
    const response = await send({ method, url, headers, ...(payload !== undefined && { payload: payload as object }) });
    return { status: response.statusCode, body: response.body ? response.json() : undefined };
  };

  const push = async (user: UserName, deviceId: string, changes: SyncChangeInput[], syncToken?: string) => {
    const response = await call(user, "POST", "/api/sync", { deviceId, changes, ...(syncToken && { syncToken }) });
    if (response.status !== 200) throw new Error(`push failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as PushResponse;
  };

  return { send, login, token, call, push };
}

export type SessionClient = ReturnType<typeof sessionClient>;
