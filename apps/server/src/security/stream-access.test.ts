// Who may open an event stream, how many, and what the request log keeps of it: EventSource
// cannot send headers, so the PWA opens streams with a single-use ticket, never a token in the URL.
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readEvents } from "@fieldsync/testing/sse-client";
import { type Api, setupApi } from "../test-kit.ts";

const logLines: string[] = [];
let api: Api;
let url: string;

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  api = await setupApi({}, { logger: { level: "debug", stream }, streamLimits: { perUser: 3, perDevice: 2 } });
  await api.app.listen({ host: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
});
afterAll(() => api.close());

const ticketFor = async (token: string) => {
  const response = await fetch(`${url}/api/sync/events/ticket`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { ticket: string; expiresIn: number }).ticket;
};

/** Opens a stream; resolves once it is `ready` (or with the refusal), and `close` ends it. */
async function open(query: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(`${url}/api/sync/events${query}`, { headers, signal: abort.signal });
  if (response.status !== 200) return { status: response.status, body: (await response.json()) as { code: string }, close: () => abort.abort() };
  const events = readEvents(response);
  expect((await events.next()).value?.event).toBe("ready");
  return { status: 200, body: null, close: () => abort.abort() };
}

test("a ticket opens one stream once, expires, and neither it nor any token appears in the request log", async () => {
  const session = await api.login("tech1", "ticket-phone");
  const ticket = await ticketFor(session.token);
  const first = await open(`?ticket=${encodeURIComponent(ticket)}&deviceId=ticket-phone`);
  expect(first.status).toBe(200);
  first.close();
  expect(await open(`?ticket=${encodeURIComponent(ticket)}`)).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });

  const late = await ticketFor(session.token);
  await api.db.streamTicket.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
  expect(await open(`?ticket=${encodeURIComponent(late)}`)).toMatchObject({ status: 401 });
  // The access token itself is no credential in a URL.
  expect(await open(`?token=${encodeURIComponent(session.token)}`)).toMatchObject({ status: 401 });
  expect((await fetch(`${url}/api/sync/events/ticket`, { method: "POST" })).status).toBe(401);

  // Request lines are logged as the request arrives, before any answer above.
  const log = logLines.join("");
  expect(log).toContain("/api/sync/events?ticket=[redacted]");
  expect(log).toContain("/api/sync/events?token=[redacted]");
  for (const secret of [ticket, late, session.token, session.refreshToken, encodeURIComponent(ticket), encodeURIComponent(session.token)]) {
    expect(log).not.toContain(secret);
  }
});

test("streams are capped per device and per user with 429 STREAM_LIMIT_REACHED", async () => {
  const listen = async (deviceId: string) => open("", { authorization: `Bearer ${await api.token("tech2", deviceId)}` });
  const opened = [await listen("cap-a"), await listen("cap-a")];
  expect(opened.map((s) => s.status)).toEqual([200, 200]);
  expect(await listen("cap-a")).toMatchObject({ status: 429, body: { code: "STREAM_LIMIT_REACHED" } });
  const third = await listen("cap-b");
  expect(third.status).toBe(200);
  expect(await listen("cap-c")).toMatchObject({ status: 429, body: { code: "STREAM_LIMIT_REACHED" } });
  // Another user has streams of their own.
  const other = await open("", { authorization: `Bearer ${await api.token("admin")}` });
  expect(other.status).toBe(200);
  for (const stream of [...opened, third, other]) stream.close();
});
