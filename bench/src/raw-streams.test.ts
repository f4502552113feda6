import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";
import { SharedPayloads, openEventStream, subscribeRaw } from "./raw-streams.ts";
import { redisUrl } from "./server.ts";

// B6's plain-socket readers must hand every device exactly the events and messages sent, however
// the bytes are cut into reads: each test sends them in pieces cut at every possible place.

const events = [
  { name: "ready", data: { orgId: "o" } },
  { name: "changes", data: { position: "1", text: "é ✓ 𝄞".repeat(3) } },
  { name: "changes", data: { position: "2", big: "x".repeat(70_000) } },
  { name: "changes", data: { position: "3" } },
];
/** Frames as the server writes them (a heartbeat after each); the last begins with its `event:` line. */
const frameText = (e: (typeof events)[number], i: number) =>
  `${["retry: 3000\n", `id: ${i}\n`, `id: ${i}\n`, ""][i]}event: ${e.name}\ndata: ${JSON.stringify(e.data)}\n\n${i < 2 ? ": ping\n\n" : ""}`;

const servers: (http.Server | net.Server)[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** The whole HTTP response: one HTTP chunk of the first frame, one of the others, then the body's end. */
const response = Buffer.concat([
  Buffer.from("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"),
  ...[events.slice(0, 1), events.slice(1)].map((part, p) => {
    const frames = Buffer.from(part.map((e, i) => frameText(e, p + i)).join(""));
    return Buffer.concat([Buffer.from(`${frames.length.toString(16)}\r\n`), frames, Buffer.from("\r\n")]);
  }),
  Buffer.from("0\r\n\r\n"),
]);

/** A server sending `response` in two writes, cut where the request's path says (`/<cut>`). */
async function serve(): Promise<string> {
  const server = net.createServer((socket) => {
    socket.once("data", (request) => {
      const cut = Number(/^GET \/(\d+)/.exec(request.toString("latin1"))?.[1]);
      socket.write(response.subarray(0, cut), () => setTimeout(() => socket.end(response.subarray(cut)), 1));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("an events stream read from a plain socket yields every event's name and data, wherever the reads are cut", async () => {
  const shared = new SharedPayloads();
  const url = await serve();
  // Every place up to the big event's data, and every place after it.
  const cuts = [...Array.from({ length: 400 }, (_, i) => i + 1), ...Array.from({ length: 120 }, (_, i) => response.length - 1 - i)];
  for (const cut of cuts) {
    const seen: { name: string; data: unknown }[] = [];
    const abort = new AbortController();
    await new Promise<void>((resolve, reject) => {
      openEventStream(url, `/${cut}`, {}, abort.signal, (name, data) => {
        seen.push({ name, data: shared.parse(data) });
        if (seen.length === events.length) resolve();
      }).catch(reject);
    });
    abort.abort();
    expect(seen, `cut at ${cut}`).toEqual(events);
  }
});

test("an events stream that answers other than 200 is refused", async () => {
  const server = http.createServer((_req, res) => res.writeHead(401).end("no"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await expect(openEventStream(url, "/", {}, new AbortController().signal, () => undefined)).rejects.toThrow("401");
});

test("a raw Redis subscription hands over every message's payload, large ones spanning reads included", async () => {
  const channel = `raw-streams-test-${process.pid}`;
  const payloads = [JSON.stringify({ a: "é" }), "y".repeat(200_000), JSON.stringify([1, 2, 3]), "z".repeat(65_536)];
  const got: string[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const subscription = await subscribeRaw(redisUrl, channel, (payload) => {
    got.push(payload.toString("utf8"));
    if (got.length === payloads.length * 3) done();
  });
  const publisher = new Redis(redisUrl);
  for (let round = 0; round < 3; round++) for (const payload of payloads) await publisher.publish(channel, payload);
  await all;
  subscription.close();
  publisher.disconnect();
  expect(got).toEqual([...payloads, ...payloads, ...payloads]);
});

test("shared payloads are parsed once per distinct content and told apart by every byte", () => {
  const shared = new SharedPayloads(2);
  const a = shared.parse(Buffer.from('{"v":"aa"}'));
  expect(shared.parse(Buffer.from('{"v":"aa"}'))).toBe(a);
  expect(shared.parse(Buffer.from('{"v":"ab"}'))).toEqual({ v: "ab" });
  expect(shared.parse(Buffer.from('{"v":"ba"}'))).toEqual({ v: "ba" });
  // Only the last two are kept: the first is parsed again.
  expect(shared.parse(Buffer.from('{"v":"aa"}'))).not.toBe(a);
});
