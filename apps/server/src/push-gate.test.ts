// The push gate through the real app and database: pushes held in flight by a lock on the Asset
// table fill the slots, the next ones wait in the queue, and the ones beyond it are refused with
// 503 SERVER_BUSY + Retry-After on REST and tRPC (batched too) without writing anything; small
// pushes pass through the express lane meanwhile.
import { randomUUID } from "node:crypto";
import type { SyncChangeInput } from "@fieldsync/schema";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { create } from "@fieldsync/testing/changes";
import { seededAsset } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";
import { holdWrites } from "@fieldsync/testing/write-hold";

const metricsToken = "push-gate-test-metrics-token";

/** Until `condition` holds (the gate's state changes as requests arrive; no fixed sleeps). */
const until = (condition: () => boolean) => vi.waitFor(() => expect(condition()).toBe(true), { timeout: 20_000, interval: 5 });

async function gated(api: Api) {
  const inject = async (url: string, deviceId: string, payload: unknown) => {
    const response = await api.app.inject({ method: "POST", url, headers: { authorization: `Bearer ${await api.token("tech1", deviceId)}` }, payload: payload as object });
    return { status: response.statusCode, retryAfter: response.headers["retry-after"], body: response.json() };
  };
  return {
    rest: (deviceId: string, changes: SyncChangeInput[]) => inject("/api/sync", deviceId, { deviceId, changes }),
    trpc: (deviceId: string, changes: SyncChangeInput[]) => inject("/trpc/sync.push", deviceId, { deviceId, changes }),
    trpcBatch: (deviceId: string, ...pushes: SyncChangeInput[][]) =>
      inject(`/trpc/${pushes.map(() => "sync.push").join(",")}?batch=1`, deviceId, Object.fromEntries(pushes.map((changes, i) => [i, { deviceId, changes }]))),
    /** Nothing of these changes reached the database. */
    untouched: async (changes: SyncChangeInput[]) => {
      const changeIds = changes.flatMap((change) => change.changeId ?? []);
      const entityIds = changes.map((change) => change.entityId);
      expect(await api.db.asset.count({ where: { id: { in: entityIds } } })).toBe(0);
      expect(await api.db.syncQueue.count({ where: { changeId: { in: changeIds } } })).toBe(0);
      expect(await api.db.changeLog.count({ where: { entityId: { in: entityIds } } })).toBe(0);
    },
  };
}

const asset = (name: string) => create(randomUUID(), { name });

describe("a full gate", () => {
  let api: Api;
  beforeAll(async () => {
    api = await setupApi({}, { metricsToken, pushGate: { slots: 2, queueLength: 1, maxWaitMs: 120_000 } });
    // Sessions first: logins write nothing to Asset, but they should not race the lock either.
    for (const device of ["gate-1", "gate-2", "gate-3", "gate-4", "gate-5"]) await api.token("tech1", device);
  });
  afterAll(() => api.close());

  test("N pushes run, the next waits, the ones beyond the queue get 503 SERVER_BUSY + Retry-After and write nothing", async () => {
    const gate = api.app.pushGate;
    const client = await gated(api);
    const hold = await holdWrites(api.db, "Asset");
    const held = [client.rest("gate-1", [asset("Held 1")]), client.trpc("gate-2", [asset("Held 2")])];
    await until(() => gate.stats().inFlight === 2);
    const waiting = client.rest("gate-3", [asset("Waits")]);
    await until(() => gate.stats().waiting === 1);

    const refusedChanges = [asset("Refused REST"), asset("Refused tRPC"), asset("Refused batch 1"), asset("Refused batch 2")];
    const rest = await client.rest("gate-4", [refusedChanges[0]!]);
    expect(rest).toMatchObject({ status: 503, body: { statusCode: 503, code: "SERVER_BUSY" } });
    expect(Number(rest.retryAfter)).toBeGreaterThanOrEqual(1);

    const trpc = await client.trpc("gate-5", [refusedChanges[1]!]);
    expect(trpc).toMatchObject({ status: 503, body: { error: { data: { code: "SERVER_BUSY", statusCode: 503 } } } });
    expect(Number(trpc.retryAfter)).toBeGreaterThanOrEqual(1);

    const batch = await client.trpcBatch("gate-5", [refusedChanges[2]!], [refusedChanges[3]!]);
    expect(batch.status).toBe(503);
    expect(batch.body).toEqual([0, 1].map(() => ({ error: expect.objectContaining({ data: expect.objectContaining({ code: "SERVER_BUSY" }) }) })));
    expect(Number(batch.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(gate.stats()).toEqual({ inFlight: 2, waiting: 1, refused: { queue_full: 4, wait_timeout: 0 } });

    await hold.release();
    const answers = await Promise.all([...held, waiting]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.body.results?.[0]?.status ?? answer.body.result?.data?.results?.[0]?.status)).toEqual(["applied", "applied", "applied"]);
    await client.untouched(refusedChanges);
    expect(gate.stats()).toMatchObject({ inFlight: 0, waiting: 0 });

    const metrics = await api.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${metricsToken}` } });
    expect(metrics.body).toContain('fieldsync_push_gate_refused_total{reason="queue_full"} 4');
    expect(metrics.body).toContain("fieldsync_push_gate_in_flight 0");
    expect(metrics.body).toContain("fieldsync_push_gate_waiting 0");
  });

  test("pulls have a gate of their own: a delta is answered while every push slot is taken", async () => {
    const gate = api.app.pushGate;
    const client = await gated(api);
    const hold = await holdWrites(api.db, "Asset");
    const held = [client.rest("gate-1", [asset("Held 3")]), client.rest("gate-2", [asset("Held 4")])];
    await until(() => gate.stats().inFlight === 2);
    const delta = await api.call("tech1", "POST", "/api/sync/delta", { deviceId: "gate-3" });
    expect(delta.status).toBe(200);
    await hold.release();
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([200, 200]);
  });
});

describe("a bounded wait", () => {
  let api: Api;
  beforeAll(async () => {
    api = await setupApi({}, { pushGate: { slots: 1, queueLength: 4, maxWaitMs: 1 } });
    for (const device of ["wait-1", "wait-2"]) await api.token("tech1", device);
  });
  afterAll(() => api.close());

  test("a push that waited its longest for a slot is refused with 503 SERVER_BUSY and writes nothing", async () => {
    const gate = api.app.pushGate;
    const client = await gated(api);
    const hold = await holdWrites(api.db, "Asset");
    const held = client.rest("wait-1", [asset("Held")]);
    await until(() => gate.stats().inFlight === 1);
    const late = [asset("Too late")];
    const refused = await client.rest("wait-2", late);
    expect(refused).toMatchObject({ status: 503, body: { code: "SERVER_BUSY" } });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(gate.stats().refused).toEqual({ queue_full: 0, wait_timeout: 1 });
    await hold.release();
    expect((await held).status).toBe(200);
    await client.untouched(late);
  });
});

describe("an express lane", () => {
  let api: Api;
  beforeAll(async () => {
    api = await setupApi({}, { pushGate: { slots: 2, queueLength: 1, maxWaitMs: 120_000, express: { slots: 1, maxChanges: 10 } } });
    for (const device of ["storm-1", "storm-2", "storm-3", "storm-4", "live-1"]) await api.token("tech1", device);
  });
  afterAll(() => api.close());

  test("a small push is answered while large pushes fill every slot and the queue", async () => {
    const gate = api.app.pushGate;
    const client = await gated(api);
    // Large pushes of tasks, held by a lock on the Task table; the live writer edits an asset.
    const tasks = (name: string) => Array.from({ length: 11 }, (_, i) => create(randomUUID(), { title: `${name} ${i}`, assetId: seededAsset }, "task"));
    const hold = await holdWrites(api.db, "Task");
    const storm = [client.rest("storm-1", tasks("Storm 1")), client.rest("storm-2", tasks("Storm 2"))];
    await until(() => gate.stats().inFlight === 2);
    storm.push(client.rest("storm-3", tasks("Storm 3")));
    await until(() => gate.stats().waiting === 1);
    expect(await client.rest("storm-4", tasks("Storm 4"))).toMatchObject({ status: 503, body: { code: "SERVER_BUSY" } });

    const live = await client.rest("live-1", [asset("Live edit")]);
    expect(live.status).toBe(200);
    expect(live.body.results[0].status).toBe("applied");
    expect(gate.stats()).toMatchObject({ inFlight: 2, waiting: 1 });

    await hold.release();
    expect((await Promise.all(storm)).map((answer) => answer.status)).toEqual([200, 200, 200]);
  });
});

describe("a pull gate", () => {
  let api: Api;
  beforeAll(async () => {
    api = await setupApi({}, { metricsToken, pullGate: { slots: 1, queueLength: 1, maxWaitMs: 120_000, requests: "pulls" } });
    for (const device of ["pull-1", "pull-2", "pull-3"]) await api.token("tech1", device);
  });
  afterAll(() => api.close());

  test("N pulls are served, the next waits, the ones beyond get 503 SERVER_BUSY + Retry-After and record nothing", async () => {
    const gate = api.app.pullGate;
    // Every pull records its SyncRun: a lock on the table keeps the first one in its slot.
    const hold = await holdWrites(api.db, "SyncRun");
    const delta = (deviceId: string) => api.call("tech1", "POST", "/api/sync/delta", { deviceId });
    const held = delta("pull-1");
    await until(() => gate.stats().inFlight === 1);
    const waiting = delta("pull-2");
    await until(() => gate.stats().waiting === 1);
    const refused = await api.app.inject({
      method: "POST",
      url: "/api/sync/delta",
      headers: { authorization: `Bearer ${await api.token("tech1", "pull-3")}` },
      payload: { deviceId: "pull-3" },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ statusCode: 503, code: "SERVER_BUSY" });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(gate.stats()).toEqual({ inFlight: 1, waiting: 1, refused: { queue_full: 1, wait_timeout: 0 } });

    await hold.release();
    expect((await Promise.all([held, waiting])).map((answer) => answer.status)).toEqual([200, 200]);
    const runs = await api.db.syncRun.count({ where: { kind: "PULL", client: { deviceId: "pull-3" } } });
    expect(runs).toBe(0);
    const metrics = await api.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${metricsToken}` } });
    expect(metrics.body).toContain('fieldsync_pull_gate_refused_total{reason="queue_full"} 1');
    expect(metrics.body).toContain("fieldsync_pull_gate_in_flight 0");
  });
});
