// Two real server processes sharing PostgreSQL and Redis: a push handled by one nudges an SSE
// client connected to the other, through Redis pub/sub. Latency is printed, not asserted.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { seedDemoData } from "@fieldsync/api";
import { createTestDatabase, type TestDatabase } from "@fieldsync/db/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { create } from "./test-kit.ts";

const serverDir = join(dirname(fileURLToPath(import.meta.url)), "..");
let database: TestDatabase;
const servers: { url: string; child: ChildProcess }[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

async function startServer() {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", WEB_DIST: "/nonexistent" },
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
  throw new Error(`server did not start: ${output.join("").slice(-2000)}`);
}

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoData(database.db);
  servers.push(...(await Promise.all([startServer(), startServer()])));
}, 200_000);

afterAll(async () => {
  for (const { child } of servers) child.kill("SIGTERM");
  await database.drop();
});

async function login(url: string, email: string) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "fieldsync-demo" }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** Reads an SSE stream with fetch (headers allowed) and yields its events. */
async function* events(url: string, token: string, signal: AbortSignal) {
  const response = await fetch(`${url}/api/sync/events`, { headers: { authorization: `Bearer ${token}` }, signal });
  expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = block.match(/^event: (.*)$/m)?.[1];
      const data = block.match(/^data: (.*)$/m)?.[1];
      if (event) yield { event, data: data ? JSON.parse(data) : null, at: performance.now() };
    }
  }
}

test("a push on one server process nudges a device listening on another, within a fraction of a second", async () => {
  const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
  const tokenA = await login(a.url, "tech1@northwind.test");
  const tokenB = await login(b.url, "tech2@northwind.test");
  const globexToken = await login(b.url, "tech@globex.test");
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
    const nudge = (next as IteratorResult<{ event: string; data: { orgId: string; position: string }; at: number }>).value;
    expect(nudge.event).toBe("changes");
    expect(Object.keys(nudge.data).sort()).toEqual(["at", "orgId", "position"]);
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

test("the events stream needs a token; ?token= works for EventSource", async () => {
  const [a] = servers;
  expect((await fetch(`${a!.url}/api/sync/events`)).status).toBe(401);
  const abort = new AbortController();
  const token = await login(a!.url, "tech1@northwind.test");
  const response = await fetch(`${a!.url}/api/sync/events?token=${encodeURIComponent(token)}`, { signal: abort.signal });
  expect(response.status).toBe(200);
  abort.abort();
});

test("compressed requests and responses round-trip; the inflated size is limited", async () => {
  const [a] = servers;
  const token = await login(a!.url, "tech1@northwind.test");
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
