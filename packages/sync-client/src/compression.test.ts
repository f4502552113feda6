import { randomUUID } from "node:crypto";
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ApiClient, compressRequestsAbove } from "./api-client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

test("a large push travels gzip-compressed and is applied; a small one goes plain", async () => {
  const sent: { encoding: string | null; bytes: number }[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const body = init?.body;
    sent.push({ encoding: headers.get("content-encoding"), bytes: typeof body === "string" ? body.length : (body as ArrayBuffer | undefined)?.byteLength ?? 0 });
    return fetch(input, init);
  };
  let token: string | null = null;
  const api = new ApiClient({ baseUrl: server.url, getToken: () => token, fetch: recordingFetch });
  token = (await api.login({ email: "tech1@northwind.test", password: "fieldsync-demo", deviceId: "gzip-device" })).token;

  const changes = Array.from({ length: 200 }, (_, i) => ({
    changeId: randomUUID(),
    entityType: "asset" as const,
    entityId: randomUUID(),
    operation: "CREATE" as const,
    payload: { name: `Compressed ${i}`, location: "Basement, plant room", notes: "Checked seals and bearings; no leaks." },
    clientVersion: 0,
    timestamp: new Date().toISOString(),
  }));
  const plainSize = JSON.stringify({ deviceId: "gzip-device", changes }).length;
  expect(plainSize).toBeGreaterThan(compressRequestsAbove);
  const response = await api.push({ deviceId: "gzip-device", changes });
  expect(response.results.every((r) => r.status === "applied")).toBe(true);
  const large = sent.at(-1)!;
  expect(large.encoding).toBe("gzip");
  expect(large.bytes).toBeLessThan(plainSize / 3);
  expect(await server.db.asset.count({ where: { name: { startsWith: "Compressed " } } })).toBe(200);

  await api.push({ deviceId: "gzip-device", changes: [] });
  expect(sent.at(-1)!.encoding).toBeNull();
});
