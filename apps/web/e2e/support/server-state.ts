// Talks to the server through its public REST API: what it really holds (a fresh device's initial
// snapshot is the organization's current data), and scripted devices.
import { randomUUID } from "node:crypto";
import { deltaResponseSchema, loginResponseSchema, type ServerChange } from "@fieldsync/schema";
import { demoPassword } from "./app.ts";

export async function post(url: string, body: unknown, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<unknown>;
}

/** A session of `email` on `deviceId` (tokens are valid for their own device only). */
export const accessToken = async (baseUrl: string, email: string, deviceId: string) =>
  loginResponseSchema.parse(await post(`${baseUrl}/api/auth/login`, { email, password: demoPassword, deviceId })).token;

// One check device per user and server: tests poll serverEntities, and every device counts
// against the user's device limit.
const checkDevices = new Map<string, string>();

export async function serverEntities(baseUrl: string, email: string): Promise<ServerChange[]> {
  const key = `${baseUrl} ${email}`;
  const deviceId = checkDevices.get(key) ?? `e2e-check-${randomUUID()}`;
  checkDevices.set(key, deviceId);
  const token = await accessToken(baseUrl, email, deviceId);
  await post(`${baseUrl}/api/sync/devices`, { deviceId, deviceName: "e2e server check" }, token);
  const entities: ServerChange[] = [];
  let pageToken: string | undefined;
  for (;;) {
    const page = deltaResponseSchema.parse(await post(`${baseUrl}/api/sync/delta`, { deviceId, pageSize: 1000, ...(pageToken ? { pageToken } : {}) }, token));
    entities.push(...page.changes);
    pageToken = page.nextPageToken;
    if (!page.hasMore) return entities;
  }
}

export const assetsNamed = (entities: ServerChange[], name: string) =>
  entities.filter((entity) => entity.entityType === "asset" && entity.payload["name"] === name);
