// R1 replays: the same push delivered 2–10 times, one after another and all at once, and a push
// whose response is lost after the server committed (a TCP proxy cuts the connection). Every
// delivery must return the one original outcome; the change is applied exactly once.
import { randomUUID } from "node:crypto";
import type { ChangeResult, PushBodyInput, SyncChangeInput } from "@fieldsync/schema";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { NoAnswer, createAsset, updateAsset } from "./harness/client.ts";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants } from "./harness/invariants.ts";
import { LossyProxy } from "./harness/proxy.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R1 replays");
beforeAll(async () => {
  c = await cluster();
});
afterAll(() => log.done());

/** The outcome without the delivery flag: what every replay must repeat. */
const outcome = ({ duplicate: _duplicate, ...rest }: ChangeResult) => rest;

async function entityFacts(entityId: string, deviceId: string) {
  const [facts] = await c.query<{ version: number; log: number; claims: number; notes: string | null }>(
    `SELECT (SELECT "version" FROM "SyncMetadata" WHERE "entityId" = $1) AS version,
            (SELECT count(*)::int FROM "ChangeLog" WHERE "entityId" = $1) AS log,
            (SELECT count(*)::int FROM "SyncQueue" q JOIN "SyncClient" d ON d."id" = q."clientId" WHERE q."entityId" = $1 AND d."deviceId" = $2) AS claims,
            (SELECT "notes" FROM "Asset" WHERE "id" = $1) AS notes`,
    [entityId, deviceId],
  );
  return facts!;
}

test("the same push 2–10 times, sequentially or concurrently, with or without changeId: applied once, the original outcome every time", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  log.note(`fast-check seed ${seed} (CHAOS_SEED=${seed} replays it)`);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 10 }),
      fc.constantFrom("sequential", "concurrent"),
      fc.boolean(),
      fc.constantFrom("CREATE", "UPDATE"),
      async (times, mode, withChangeId, operation) => {
        runs++;
        const entityId = randomUUID();
        const deviceId = `r1-${randomUUID()}`;
        let base = 0;
        if (operation === "UPDATE") {
          await c.api.push("tech1", { deviceId: `${deviceId}-setup`, changes: [createAsset(entityId, { name: "R1 target" })] });
          base = 1;
        }
        const raw: SyncChangeInput =
          operation === "CREATE" ? createAsset(entityId, { name: "R1 asset", notes: "created once" }) : updateAsset(entityId, 1, { notes: `replayed ${times}×` });
        const { changeId: _changeId, ...withoutId } = raw;
        const body: PushBodyInput = { deviceId, changes: [withChangeId ? raw : withoutId] };
        const send = () => c.api.push("tech1", body);
        const replies =
          mode === "sequential" ? await (async () => { const all = []; for (let i = 0; i < times; i++) all.push(await send()); return all; })() : await Promise.all(Array.from({ length: times }, send));
        const results = replies.map((r) => r.results[0]!);
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        if (mode === "sequential") expect(results[0]!.duplicate).toBe(false);
        const first = outcome(results.find((r) => !r.duplicate)!);
        expect(first).toMatchObject({ status: "applied", version: base + 1 });
        for (const r of results) expect(outcome(r)).toEqual(first);
        const facts = await entityFacts(entityId, deviceId);
        expect(facts).toMatchObject({ version: base + 1, log: base + 1, claims: 1 });
      },
    ),
    { seed, numRuns: 8, endOnFailure: true },
  );
  log.injected(`${runs} pushes delivered 2–10 times each (sequential and concurrent, with and without changeId, CREATE and UPDATE)`);
  log.checked("one delivery non-duplicate, every reply the same outcome, entity version and change log bumped once, one SyncQueue claim");
});

test("a response lost after commit (proxy cuts the connection): the retry gets the original outcome, applied once", async () => {
  const proxy = new LossyProxy(c.server.port);
  await proxy.start();
  try {
    const entityId = randomUUID();
    const deviceId = `r1-lost-${randomUUID()}`;
    await c.api.push("tech1", { deviceId: `${deviceId}-setup`, changes: [createAsset(entityId, { name: "R1 lost response" })] });
    const body: PushBodyInput = { deviceId, changes: [updateAsset(entityId, 1, { notes: "response lost once" }), createAsset(randomUUID(), { name: "R1 sibling" })] };

    proxy.mode = "drop-response";
    const lost = await c.api.pushRaw("tech1", body, { baseUrl: proxy.url }).then(
      (reply) => reply,
      (error: unknown) => error,
    );
    expect(lost).toBeInstanceOf(NoAnswer);
    expect(proxy.dropped).toBeGreaterThan(0);
    // The server committed before it answered: the change is there although the client never heard.
    expect(await entityFacts(entityId, deviceId)).toMatchObject({ version: 2, log: 2, claims: 1, notes: "response lost once" });
    log.injected(`push of 2 changes through a TCP proxy that swallowed the response after commit (client saw: ${(lost as Error).message.slice(0, 80)})`);

    proxy.mode = "pass";
    const retry = await c.api.pushRaw("tech1", body, { baseUrl: proxy.url });
    expect(retry.status).toBe(200);
    const [updated, sibling] = retry.body.results;
    expect(updated).toMatchObject({ status: "applied", version: 2, duplicate: true });
    expect(sibling).toMatchObject({ status: "applied", version: 1, duplicate: true });
    expect(await entityFacts(entityId, deviceId)).toMatchObject({ version: 2, log: 2, claims: 1 });
    log.checked("retry through the proxy: both changes duplicate with their original versions (2 and 1); entity still version 2, one log entry per version, one claim");
  } finally {
    await proxy.close();
  }
});

test("an auto-merged push whose response is lost: the retry still brings the merged entity back", async () => {
  const proxy = new LossyProxy(c.server.port);
  await proxy.start();
  try {
    const entityId = randomUUID();
    await c.api.push("tech1", { deviceId: `r1-merge-setup-${randomUUID()}`, changes: [createAsset(entityId, { name: "R1 merge", notes: "n0", location: "l0" })] });
    await c.api.push("tech2", { deviceId: `r1-merge-other-${randomUUID()}`, changes: [updateAsset(entityId, 1, { notes: "from the other device" })] });
    const deviceId = `r1-merge-${randomUUID()}`;
    // The device is up to date (its syncToken is past both earlier edits), as a real one would be.
    const { syncToken } = await c.api.push("tech1", { deviceId, changes: [] });
    const body: PushBodyInput = { deviceId, syncToken, changes: [updateAsset(entityId, 1, { location: "from this device" })] };
    proxy.mode = "drop-response";
    expect(await c.api.pushRaw("tech1", body, { baseUrl: proxy.url }).catch((error: unknown) => error)).toBeInstanceOf(NoAnswer);
    log.injected("disjoint-field edit from base version 1 after another device's edit (server auto-merges to version 3); the response was swallowed by the proxy");
    proxy.mode = "pass";
    const retry = await c.api.push("tech1", body);
    expect(retry.results[0]).toMatchObject({ status: "applied", version: 3, duplicate: true });
    const merged = retry.changes.find((change) => change.entityId === entityId);
    expect(merged, "the merged entity in the retry's changes").toMatchObject({ clientVersion: 3, payload: { notes: "from the other device", location: "from this device" } });
    log.checked("retry: applied version 3 (duplicate) and the merged entity (both edits) in changes, so the device does not keep its own unmerged copy at version 3");
  } finally {
    await proxy.close();
  }
  log.checked(await checkClusterInvariants(c));
});
