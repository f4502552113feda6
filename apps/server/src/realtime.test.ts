// Two real server processes sharing PostgreSQL and Redis: a push handled by one nudges an SSE
// client connected to the other, through Redis pub/sub. Latency is printed, not asserted.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { seedDemoData } from "@fieldsync/api";
import { createTestDatabase, type TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readEvents } from "@fieldsync/testing/sse-client";
import { freePort } from "@fieldsync/testing/free-port";
import { create } from "@fieldsync/testing/changes";
import { setupApi } from "./test-kit.ts";

const serverDir = join(dirname(fileURLToPath(import.meta.url)), "..");
// Both processes verify each other's tokens and cursors: the same keys, of this run only.
const secrets = { JWT_SECRET: randomBytes(32).toString("hex"), CURSOR_SECRET: randomBytes(32).toString("hex") };
let database: TestDatabase;
const servers: { url: string; child: ChildProcess }[] = [];

async function startServer() {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: { ...process.env, ...secrets, DATABASE_URL: database.url, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", WEB_DIST: "/nonexistent" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk) => output.push(String(chunk)));
  child.stderr?.on("data", (chunk) => output.push(String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  // Start-up runs `prisma migrate deploy`; on a loaded 2-core machine that can take a while.
  for (let i = 0; i < 900; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`server did not start: ${output.join("").slice(-2000)}`);
}

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoData(database.db);
  // One after the other: each runs `prisma migrate deploy`, and two at once wait on Prisma's
  // migration advisory lock, which gives up after 10 s on a loaded machine.
  servers.push(await startServer());
  servers.push(await startServer());
}, 200_000);

afterAll(async () => {
  for (const { child } of servers) child.kill("SIGTERM");
  await database.drop();
});

/** A session of `email` on `deviceId`: its token is good for that device's requests and stream. */
async function login(url: string, email: string, deviceId: string) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "fieldsync-demo", deviceId }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** The events stream of a server, with arrival times. */
async function* events(url: string, token: string, signal: AbortSignal, query = "") {
  const response = await fetch(`${url}/api/sync/events${query}`, { headers: { authorization: `Bearer ${token}` }, signal });
  expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
  for await (const event of readEvents(response)) yield { ...event, at: performance.now() };
}

test("a push on one server process nudges a device listening on another, within a fraction of a second", async () => {
  const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
  const tokenA = await login(a.url, "tech1@northwind.test", "sse-writer");
  const tokenB = await login(b.url, "tech2@northwind.test", "sse-reader");
  const globexToken = await login(b.url, "tech@globex.test", "sse-globex");
  const abort = new AbortController();
  const stream = events(b.url, tokenB, abort.signal);
  const foreign = events(b.url, globexToken, abort.signal);
  expect((await stream.next()).value?.event).toBe("ready");
  expect((await foreign.next()).value?.event).toBe("ready");
  let foreignNudges = 0;
  void (async () => {
    for await (const event of foreign) if (event.event === "changes") foreignNudges++;
  })().catch(() => undefined);

  const latencies: number[] = [];
  const pushTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const pushed = await fetch(`${a.url}/api/sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenA}`, "content-type": "application/json" },
      body: JSON.stringify({ deviceId: "sse-writer", changes: [create(randomUUID(), { name: `Nudge ${i}` })] }),
    });
    expect(pushed.status).toBe(200);
    pushTimes.push(performance.now() - started);
    const next = await Promise.race([stream.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
    expect(next, "a nudge arrived").not.toBeNull();
    const nudge = (next as IteratorResult<{ event: string; data: { orgId: string; position: string; range?: object }; at: number }>).value;
    expect(nudge.event).toBe("changes");
    // Without ?deviceId= no data: the range's ends only (when anything new lies below the fence).
    expect(Object.keys(nudge.data).filter((key) => key !== "range").sort()).toEqual(["at", "orgId", "position"]);
    if (nudge.data.range) expect(Object.keys(nudge.data.range).sort()).toEqual(["from", "to"]);
    latencies.push(nudge.at - started);
  }
  abort.abort();
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const max = (values: number[]) => Math.max(...values);
  console.log(
    `push start → nudge on the other process: p50 ${median(latencies).toFixed(1)} ms, max ${max(latencies).toFixed(1)} ms; ` +
      `the push round trip alone: p50 ${median(pushTimes).toFixed(1)} ms, max ${max(pushTimes).toFixed(1)} ms (n=10)`,
  );
  expect(foreignNudges).toBe(0);
});

async function call(url: string, token: string, method: string, path: string, body: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, `${method} ${path}`).toBe(200);
  return response.json();
}

type Carried = { entityId: string; clientVersion: number; payload: { name?: string } }[];
type Events = AsyncGenerator<{ event: string; data: { changes?: Carried; range?: { changes?: Carried; syncToken?: string } } | null }>;
const nextChanges = async (stream: Events) => {
  for (;;) {
    const next = await Promise.race([stream.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
    if (!next || next.done) throw new Error("no changes event within 5 s");
    if (next.value.event === "changes") return next.value.data!;
  }
};

test("with ?deviceId=, other devices' small pushes arrive with their changes; own and large ones without a preview, subscribed ones only what is in their scope", async () => {
  const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
  const writerToken = await login(a.url, "tech1@northwind.test", "live-writer");
  const readerToken = await login(b.url, "tech2@northwind.test", "live-reader");
  const scopedToken = await login(b.url, "tech2@northwind.test", "live-scoped");
  // The writer registers by pushing once; the scoped device keeps one site only.
  await call(a.url, writerToken, "POST", "/api/sync", { deviceId: "live-writer", changes: [create(randomUUID(), { name: "First" })] });
  await call(b.url, scopedToken, "PUT", "/api/sync/subscription", { deviceId: "live-scoped", subscription: { locations: ["Site A"] } });
  const abort = new AbortController();
  const reader = events(b.url, readerToken, abort.signal, "?deviceId=live-reader") as Events;
  const own = events(a.url, writerToken, abort.signal, "?deviceId=live-writer") as Events;
  const scoped = events(b.url, scopedToken, abort.signal, "?deviceId=live-scoped") as Events;
  for (const stream of [reader, own, scoped]) expect((await stream.next()).value?.event).toBe("ready");

  const id = randomUUID();
  await call(a.url, writerToken, "POST", "/api/sync", { deviceId: "live-writer", changes: [create(id, { name: "Live" })] });
  const seen = await nextChanges(reader);
  // In the event's range (with the token at its end), or as a preview while the range lags behind the fence.
  expect([...(seen.range?.changes ?? []), ...(seen.changes ?? [])]).toContainEqual(
    expect.objectContaining({ entityId: id, clientVersion: 1, operation: "CREATE", payload: expect.objectContaining({ name: "Live" }) }),
  );
  if (seen.range?.changes) expect(seen.range.syncToken).toEqual(expect.any(String));
  expect((await nextChanges(own)).changes).toBeUndefined();
  // The scoped device gets the range without its data (out of its scope), its token still moving.
  const outOfScope = await nextChanges(scoped);
  expect(outOfScope.changes).toBeUndefined();
  expect(outOfScope.range?.changes?.some((change) => change.entityId === id)).not.toBe(true);
  if (outOfScope.range?.changes) expect(outOfScope.range.syncToken).toEqual(expect.any(String));

  const many = Array.from({ length: 101 }, () => create(randomUUID(), { name: "Bulk" }));
  await call(a.url, writerToken, "POST", "/api/sync", { deviceId: "live-writer", changes: many });
  expect((await nextChanges(reader)).changes).toBeUndefined();
  abort.abort();
});

test("the stream ends with `reauth` when its access token expires", async () => {
  const api = await setupApi({ jwtTtlSeconds: 2 });
  try {
    await api.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = api.app.server.address() as { port: number };
    const abort = new AbortController();
    const stream = events(`http://127.0.0.1:${port}`, await api.token("tech1", "expiring"), abort.signal);
    expect((await stream.next()).value?.event).toBe("ready");
    expect((await stream.next()).value?.event).toBe("reauth");
    expect((await stream.next()).done, "the server closed the stream").toBe(true);
  } finally {
    await api.close();
  }
});

test("the events stream needs a token or a ticket; a ticket from one process opens a stream on the other", async () => {
  const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
  expect((await fetch(`${a.url}/api/sync/events`)).status).toBe(401);
  const abort = new AbortController();
  const token = await login(a.url, "tech1@northwind.test", "ticket-tablet");
  const { ticket } = (await call(a.url, token, "POST", "/api/sync/events/ticket", {})) as { ticket: string };
  const response = await fetch(`${b.url}/api/sync/events?ticket=${encodeURIComponent(ticket)}`, { signal: abort.signal });
  expect(response.status).toBe(200);
  abort.abort();
});

test("compressed requests and responses round-trip; the inflated size is limited", async () => {
  const [a] = servers;
  const token = await login(a!.url, "tech1@northwind.test", "gzip-phone");
  const changes = Array.from({ length: 300 }, () => create(randomUUID(), { name: "Compressed", notes: "x".repeat(500) }));
  const json = JSON.stringify({ deviceId: "gzip-phone", changes });
  const body = gzipSync(json);
  const response = await fetch(`${a!.url}/api/sync`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip", "accept-encoding": "br, gzip" },
    body,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-encoding")).toBe("br");
  const result = (await response.json()) as { results: { status: string }[] };
  expect(result.results.every((r) => r.status === "applied" || r.status === "queued")).toBe(true);
  console.log(`500-change-class push body: ${json.length} bytes raw, ${body.length} gzip`);

  const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 32));
  const refused = await fetch(`${a!.url}/api/sync`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip" },
    body: bomb,
  });
  expect(refused.status).toBe(413);
  expect(((await refused.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
});
