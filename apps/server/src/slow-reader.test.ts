// A device whose stream it does not read for a while (a phone busy or on a slow link) gets every
// event it missed, in order, once it reads again: the hub holds them instead of making it pull.
import http from "node:http";
import type { ChangeNudge } from "@fieldsync/api";
import { EventText } from "@fieldsync/testing/sse-client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
let url: string;

beforeAll(async () => {
  api = await setupApi();
  url = await api.app.listen({ port: 0, host: "127.0.0.1" });
}, 120_000);

afterAll(() => api.close());

/** An event of another device's push carrying one change of ~`bytes` (far beyond a socket buffer in all). */
const bigNudge = (orgId: string, n: number, bytes: number): ChangeNudge => ({
  orgId,
  position: `1:${n}`,
  at: new Date().toISOString(),
  originClientId: "another-device",
  changes: [
    {
      entityType: "asset",
      entityId: `asset-${n}`,
      operation: "UPDATE",
      payload: { name: `asset ${n}`, notes: "x".repeat(bytes) },
      clientVersion: n,
      timestamp: new Date().toISOString(),
      checksum: null,
    },
  ],
});

test("a stream not read while 100 events of 60 kB went out gets all of them, in order, with their changes, when it reads again", async () => {
  const deviceId = "slow-reader";
  const token = await api.token("tech1", deviceId);
  const events: { event: string; data: unknown }[] = [];
  const reader = new EventText();
  let response!: http.IncomingMessage;
  const ready = new Promise<string>((resolve, reject) => {
    http
      .get(`${url}/api/sync/events?deviceId=${deviceId}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        response = res;
        res.setEncoding("utf8");
        res.on("data", (text: string) => {
          for (const event of reader.push(text)) {
            if (event.event === "ready") resolve((event.data as { orgId: string }).orgId);
            else events.push(event);
          }
        });
      })
      .on("error", reject);
  });
  const org = await ready;
  response.pause();
  for (let n = 1; n <= 100; n++) {
    api.hub.deliver(bigNudge(org, n, 60_000));
    // Each goes out on its own fan-out, as events spaced in time would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.resume();
  while (events.length < 100) await new Promise((resolve) => setTimeout(resolve, 20));
  response.destroy();
  expect(events.map((e) => (e.data as { position: string }).position)).toEqual(Array.from({ length: 100 }, (_, i) => `1:${i + 1}`));
  expect(events.every((e) => e.event === "changes" && (e.data as { changes?: unknown[] }).changes?.length === 1)).toBe(true);
});
