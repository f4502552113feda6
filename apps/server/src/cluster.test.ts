// The multi-node deployment (`pnpm start:cluster`) with real parts: 2 server processes and 2
// workers behind HAProxy, one PostgreSQL, one Redis. What a single process guarantees must hold
// across nodes: sessions, event streams, rate limits, exactly-once, the client's address, and no
// acknowledged change lost when a node dies under load.
import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { demoPassword } from "@fieldsync/api";
import type { PushResponse, SyncChangeInput } from "@fieldsync/schema";
import { create } from "@fieldsync/testing/changes";
import { type TestCluster, startTestCluster } from "@fieldsync/testing/cluster";
import { users } from "@fieldsync/testing/demo";
import { readEvents } from "@fieldsync/testing/sse-client";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadEnv } from "./env.ts";

// Sync calls per device in a 10-minute window (5× that per user): the rate-limit test spends one
// device's budget; no other device comes near it (the load below stops each device at loadCap).
const rateLimit = 100;
const loadCap = 80;
const loginAttempts = 3;
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({
    servers: 2,
    workers: 2,
    env: {
      SYNC_RATE_LIMIT_MAX: String(rateLimit),
      SYNC_RATE_LIMIT_WINDOW_MS: String(600_000),
      LOGIN_MAX_ATTEMPTS: String(loginAttempts),
      // Pushes above 20 changes go through the queue, so both workers take part.
      SYNC_INLINE_MAX_CHANGES: "20",
      // A queued change whose worker died is picked up by the other within seconds.
      STALLED_INTERVAL_MS: "2000",
      JOB_LOCK_MS: "4000",
    },
  });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Resolves once `check` returns a value other than undefined/false; fails after `timeoutMs` (a broken run, not a slow one). */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}\n${cluster.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function login(url: string, user: keyof typeof users, deviceId: string) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: users[user], password: demoPassword, deviceId }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

const push = (url: string, token: string, deviceId: string, changes: SyncChangeInput[], extra: Record<string, unknown> = {}) =>
  fetch(`${url}/api/sync`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ deviceId, changes, ...extra }),
  });

const [first, second] = [() => cluster.servers[0]!, () => cluster.servers[1]!];

test("the balancer spreads connections over both nodes, and refuses /metrics", async () => {
  expect(cluster.servers.map((s) => s.name)).toEqual(["server1", "server2"]);
  expect(cluster.nodes.filter((n) => n.name.startsWith("worker"))).toHaveLength(2);
  await until("HAProxy sees both nodes up", async () => JSON.stringify(await cluster.serverStates()) === JSON.stringify({ server1: "UP", server2: "UP" }));
  const served = new Set<string>();
  // leastconn hands idle nodes new connections in turn (requests on one connection stay on its node).
  const nodeOfNewConnection = () =>
    new Promise<string>((resolve, reject) =>
      httpRequest(`${cluster.url}/healthz`, { agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.headers["x-fieldsync-node"])));
      })
        .on("error", reject)
        .end(),
    );
  await until("both nodes served a connection through the balancer", async () => {
    served.add(await nodeOfNewConnection());
    return served.has("server1") && served.has("server2");
  });
  const metrics = await fetch(`${cluster.url}/metrics`);
  expect(metrics.status).toBe(403);
  expect(await metrics.json()).toMatchObject({ code: "FORBIDDEN" });
  // On a node's own loopback port it stays open to local scrapers.
  expect((await fetch(`${first().url}/metrics`)).status).toBe(200);
});

/** A node's count of pages read ahead with `outcome` (its own /metrics, open on its loopback listener). */
async function readAheadPages(url: string, outcome: "started" | "taken") {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^fieldsync_pull_read_ahead_pages_total\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
}

test("a device paging through the balancer on one connection finds each next page read ahead on the node that served the last", async () => {
  const token = await login(cluster.url, "admin", "cluster-ahead");
  // One keep-alive connection, as a browser holds it (fetch here opened one per request).
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const delta = (body: Record<string, unknown>) =>
    new Promise<{ node: string; page: { hasMore: boolean; nextPageToken: string } }>((resolve, reject) => {
      const req = httpRequest(`${cluster.url}/api/sync/delta`, { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${token}` } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => (res.statusCode === 200 ? resolve({ node: String(res.headers["x-fieldsync-node"]), page: JSON.parse(text) }) : reject(new Error(`${res.statusCode} ${text}`))));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ deviceId: "cluster-ahead", pageSize: 2, ...body }));
    });
  const taken = async () => (await readAheadPages(first().url, "taken")) + (await readAheadPages(second().url, "taken"));
  const before = await taken();
  let answer = await delta({});
  const nodes = [answer.node];
  while (answer.page.hasMore) {
    answer = await delta({ pageToken: answer.page.nextPageToken });
    nodes.push(answer.node);
  }
  agent.destroy();
  expect(nodes.length).toBeGreaterThan(3);
  expect(new Set(nodes).size).toBe(1);
  // Every page after the first was read ahead (without affinity about none: the nodes alternated).
  expect((await taken()) - before).toBe(nodes.length - 1);
});

test("a session opened on one node works on the other, and revoking its device there ends it on both", async () => {
  const token = await login(first().url, "tech1", "cluster-session");
  const asset = randomUUID();
  expect((await push(second().url, token, "cluster-session", [create(asset, { name: "Across nodes" })])).status).toBe(200);
  const status = (url: string) => fetch(`${url}/api/sync/status`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  expect(await status(first().url)).toBe(200);
  const revoked = await fetch(`${second().url}/api/sync/devices/cluster-session`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
  expect(revoked.status).toBe(200);
  expect(await status(first().url)).toBe(401);
  expect(await status(second().url)).toBe(401);
});

type Carried = { entityId: string }[];
/** The changes an event carries: in its log range, or as a preview while the range lags behind. */
const carried = (data: unknown): Carried => {
  const event = data as { changes?: Carried; range?: { changes?: Carried } } | null;
  return [...(event?.range?.changes ?? []), ...(event?.changes ?? [])];
};

test("an event stream on one node delivers a change pushed through the other", async () => {
  const writer = await login(first().url, "tech1", "cluster-writer");
  const reader = await login(second().url, "tech2", "cluster-reader");
  const abort = new AbortController();
  try {
    const response = await fetch(`${second().url}/api/sync/events?deviceId=cluster-reader`, { headers: { authorization: `Bearer ${reader}` }, signal: abort.signal });
    const events = readEvents(response);
    expect((await events.next()).value?.event).toBe("ready");
    const asset = randomUUID();
    expect((await push(first().url, writer, "cluster-writer", [create(asset, { name: "Seen on the other node" })])).status).toBe(200);
    for (;;) {
      const { value, done } = await events.next();
      expect(done, "the stream ended before the change arrived").toBeFalsy();
      if (value?.event === "changes" && carried(value.data).some((c) => c.entityId === asset)) break;
    }
  } finally {
    abort.abort();
  }
});

test("the sync rate limit is shared: a device's budget spent on one node is spent on the other", async () => {
  const token = await login(first().url, "admin", "cluster-limited");
  const statuses: number[] = [];
  // Ten at a time, alternating nodes: the budget is the device's, wherever its calls land.
  for (let i = 0; i < rateLimit; i += 10) {
    const tens = Array.from({ length: 10 }, (_, j) => push((i + j) % 2 ? second().url : first().url, token, "cluster-limited", []).then((r) => r.status));
    statuses.push(...(await Promise.all(tens)));
  }
  expect(statuses.every((s) => s === 200), statuses.join(",")).toBe(true);
  for (const node of [first(), second()]) {
    const refused = await push(node.url, token, "cluster-limited", []);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  }
}, 120_000);

test("exactly-once across nodes: a push replayed to the other node is a duplicate, inline and queued", async () => {
  const token = await login(first().url, "tech2", "cluster-replay");
  const inline = [create(randomUUID(), { name: "Once inline" })];
  const queued = Array.from({ length: 30 }, (_, i) => create(randomUUID(), { name: `Once queued ${i}` }));
  for (const changes of [inline, queued]) {
    const firstAnswer = (await (await push(first().url, token, "cluster-replay", changes)).json()) as PushResponse;
    expect(firstAnswer.results.every((r) => !r.duplicate)).toBe(true);
    // A queued change answers its outcome once a worker has applied it.
    const replay = await until("the replay on the other node answers every change as an applied duplicate", async () => {
      const answer = (await (await push(second().url, token, "cluster-replay", changes)).json()) as PushResponse;
      return answer.results.every((r) => r.duplicate && r.status === "applied") && answer;
    });
    expect(replay.results).toHaveLength(changes.length);
  }
  const logged = await cluster.db.changeLog.count({ where: { entityId: { in: [...inline, ...queued].map((c) => c.entityId) } } });
  expect(logged).toBe(inline.length + queued.length);
}, 120_000);

/** POST through the balancer from `localAddress` (any 127.x.y.z is this machine's loopback). */
function postFrom(localAddress: string, path: string, body: object, headers: Record<string, string> = {}) {
  const url = new URL(path, cluster.url);
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", localAddress, headers: { "content-type": "application/json", ...headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

test("the login throttle sees each client's own address through the balancer, and a forged X-Forwarded-For changes nothing", async () => {
  const wrong = { email: users.admin, password: "not the password", deviceId: "cluster-guesser" };
  const statuses: number[] = [];
  for (let i = 0; i <= loginAttempts; i++) statuses.push(await postFrom("127.0.0.2", "/api/auth/login", wrong, { "x-forwarded-for": `203.0.113.${i}` }));
  expect(statuses).toEqual([...Array(loginAttempts).fill(401), 429]);
  // The guesser elsewhere does not lock the real user out.
  expect(await postFrom("127.0.0.3", "/api/auth/login", { ...wrong, password: demoPassword, deviceId: "cluster-owner" })).toBe(200);
});

test("any X-Forwarded-For a trusting node is sent, through the balancer or around it, gets a 4xx for a wrong password, never a 5xx", async () => {
  const header = fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ unit: fc.constantFrom(..." ,.:[]/abcdef0123456789%-_") })), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(", "));
  await fc.assert(
    fc.asyncProperty(header, fc.boolean(), async (forwarded, direct) => {
      const response = await fetch(`${direct ? first().url : cluster.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwarded },
        body: JSON.stringify({ email: "nobody@cluster.test", password: "not the password", deviceId: "cluster-forwarded" }),
      });
      expect([401, 429]).toContain(response.status);
    }),
    { numRuns: 40 },
  );
});

test("TRUST_PROXY takes addresses, CIDR ranges and proxy-addr's names, and refuses anything else", () => {
  for (const good of ["127.0.0.1", "10.0.0.0/8, ::1", "loopback,uniquelocal", "fd00::/8"]) expect(loadEnv({ TRUST_PROXY: good }).TRUST_PROXY).toBe(good);
  for (const bad of ["true", "127.0.0.1/33", "10.0.0.0/8/1", "localhost", ""]) expect(() => loadEnv({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
});

/** One push through the balancer: its status and parsed answer, or status 0 when no whole answer arrived. */
async function attemptPush(token: string, deviceId: string, changes: SyncChangeInput[]): Promise<{ status: number; body?: PushResponse }> {
  try {
    const response = await push(cluster.url, token, deviceId, changes);
    if (response.status !== 200) return { status: response.status };
    return { status: 200, body: (await response.json()) as PushResponse };
  } catch {
    return { status: 0 };
  }
}

test("killing a server node under push load loses no acknowledged change; its event streams reconnect through the balancer", async () => {
  const devices = ["tech1", "tech2", "globex"].flatMap((user) => [0, 1].map((i) => ({ user: user as keyof typeof users, deviceId: `cluster-load-${user}-${i}` })));
  const tokens = await Promise.all(devices.map((d) => login(cluster.url, d.user, d.deviceId)));

  // Devices listening through the balancer, each reconnecting whenever its stream ends, as the
  // PWA's EventSource does. leastconn spreads their streams over both nodes.
  const abort = new AbortController();
  type Stream = { node: string; seen: Set<string> };
  const listeners: { streams: Stream[]; done: Promise<void> }[] = [];
  const listen = async (deviceId: string, streams: Stream[]) => {
    const token = await login(cluster.url, "tech1", deviceId);
    while (!abort.signal.aborted) {
      const response = await fetch(`${cluster.url}/api/sync/events?deviceId=${deviceId}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal }).catch(() => null);
      if (!response?.ok) continue;
      const stream = { node: response.headers.get("x-fieldsync-node") ?? "?", seen: new Set<string>() };
      streams.push(stream);
      try {
        for await (const event of readEvents(response)) {
          for (const change of carried(event.data)) stream.seen.add(change.entityId);
        }
      } catch {
        // The node died mid-stream, or the test ended: connect again unless it ended.
      }
    }
  };
  const current = () => listeners.map((l) => l.streams.at(-1));
  await until("a listener's stream is on each node", async () => {
    if (listeners.length < 8 && current().every((s) => s !== undefined)) {
      const streams: Stream[] = [];
      // A failure shows as a listener that never reconnects; its rejection must not outlive the test.
      listeners.push({ streams, done: listen(`cluster-listener-${listeners.length}`, streams).catch(() => undefined) });
    }
    const nodes = new Set(current().map((s) => s?.node));
    return listeners.length >= 2 && !nodes.has(undefined) && nodes.has("server1") && nodes.has("server2");
  });
  const onVictim = listeners.filter((l) => l.streams.at(-1)!.node === "server2");

  const acknowledged = new Set<string>();
  const failures: string[] = [];
  let unanswered = 0;
  let running = true;
  const load = devices.map(async (device, d) => {
    let n = 0;
    while (running && n < loadCap) {
      // Every fourth push is large enough to be queued for the workers.
      const changes = Array.from({ length: n % 4 === 3 ? 25 : 3 }, (_, i) => create(randomUUID(), { name: `Load ${device.deviceId} ${n}.${i}` }));
      n++;
      // A push that got no full answer (the node died with it: a network error, a body cut short,
      // 502/503 from the balancer) is sent again as it was, as the sync client does: the same
      // changeIds, so it cannot apply twice.
      for (let attempt = 0; ; attempt++) {
        const answer = await attemptPush(tokens[d]!, device.deviceId, changes);
        if (answer.body) {
          for (const result of answer.body.results) {
            if (result.status === "applied" || result.status === "queued") acknowledged.add(result.entityId);
            else failures.push(`${result.entityId}: ${result.status}`);
          }
          break;
        }
        unanswered++;
        if (answer.status !== 0 && answer.status < 500) failures.push(`push answered ${answer.status}`);
        if (attempt > 50) throw new Error(`push of ${device.deviceId} never acknowledged`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });

  await until("some changes acknowledged before the kill", async () => acknowledged.size >= 40);
  const victim = cluster.servers.find((s) => s.name === "server2")!;
  process.kill(victim.pid, "SIGKILL");
  const atKill = acknowledged.size;
  await until("HAProxy marked server2 down", async () => (await cluster.serverStates()).server2?.startsWith("DOWN"));
  await until("pushes keep being acknowledged after the kill", async () => acknowledged.size >= atKill + 80, 120_000);
  running = false;
  await Promise.all(load);
  expect(failures).toEqual([]);

  // Every acknowledged change is stored exactly once (queued ones once the workers have applied them).
  const ids = [...acknowledged];
  await until("every acknowledged change is stored", async () => (await cluster.db.asset.count({ where: { id: { in: ids } } })) === ids.length, 120_000);
  expect(await cluster.db.changeLog.count({ where: { entityId: { in: ids } } })).toBe(ids.length);
  console.log(`${ids.length} changes acknowledged (${atKill} before the kill), all stored once; ${unanswered} push attempts went unanswered and were sent again`);

  // The streams on the dead node ended; their devices reconnected through the balancer to
  // server1, which delivers a change pushed after the kill to every listener.
  const asset = randomUUID();
  await until("every listener holds a stream on server1", async () => current().every((s) => s?.node === "server1"));
  expect(onVictim.length).toBeGreaterThan(0);
  for (const listener of onVictim) expect(listener.streams.length).toBeGreaterThanOrEqual(2);
  expect((await push(cluster.url, tokens[0]!, devices[0]!.deviceId, [create(asset, { name: "After the kill" })])).status).toBe(200);
  await until("the reconnected streams delivered the change", async () => current().every((s) => s!.seen.has(asset)));
  abort.abort();
  await Promise.all(listeners.map((l) => l.done));
}, 300_000);
