// Soak: mixed load (inline pushes, queued pushes, delta pulls) for CHAOS_SOAK_SECONDS (20 s by
// default; the 10 minutes is CHAOS_SOAK_SECONDS=600). Error rate must be 0, the final
// state must equal the devices' models, a reader must converge on it, and the server's and
// worker's memory must stay flat (RSS reported at start and end).
import type { ServerChange } from "@fieldsync/schema";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants, queueSettled } from "./harness/invariants.ts";
import { SimulatedDevice, checkModels, prng } from "./harness/load.ts";
import { sleep } from "./harness/processes.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("Soak");
beforeAll(async () => {
  c = await cluster();
});
afterAll(() => log.done());

const seconds = Number(process.env.CHAOS_SOAK_SECONDS ?? 20);

test(`${seconds} s of mixed load: no errors, final state equals the model, memory flat`, { timeout: (seconds + 180) * 1000 }, async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  log.note(`seed ${seed}, ${seconds} s (CHAOS_SOAK_SECONDS)`);
  const random = prng(seed);
  const devices = [
    new SimulatedDevice(c, "tech1", { pauseMs: 20 }),
    new SimulatedDevice(c, "tech2", { pauseMs: 20 }),
    new SimulatedDevice(c, "admin", { pauseMs: 20 }),
    new SimulatedDevice(c, "tech1", { async: true, maxChanges: 20, pauseMs: 200 }),
  ];
  await Promise.all(devices.map((d) => c.api.token(d.user, d.deviceId)));
  const reader = { deviceId: `soak-reader-${seed}`, token: undefined as string | undefined, latest: new Map<string, ServerChange>(), pulls: 0 };
  const pull = async () => {
    const page = await c.api.delta("admin", { deviceId: reader.deviceId, pageSize: 200, pageToken: reader.token });
    reader.pulls++;
    reader.token = page.nextPageToken;
    for (const change of page.changes) {
      const known = reader.latest.get(change.entityId);
      if (!known || known.clientVersion < change.clientVersion) reader.latest.set(change.entityId, change);
    }
    return page.hasMore;
  };

  let stopping = false;
  const load = Promise.all([
    ...devices.map((d) => d.run(() => stopping, random)),
    (async () => {
      while (!stopping) if (!(await pull())) await sleep(250);
    })(),
  ]);
  await sleep(Math.min(5, seconds / 4) * 1000);
  const start = { server: c.server.rssMiB(), worker: c.worker.rssMiB(), at: Date.now() };
  const samples: string[] = [];
  while (Date.now() - start.at < seconds * 1000) {
    await sleep(Math.min(10_000, seconds * 250));
    samples.push(`${c.server.rssMiB()}/${c.worker.rssMiB()}`);
  }
  stopping = true;
  await load;
  const end = { server: c.server.rssMiB(), worker: c.worker.rssMiB() };

  const attempts = devices.flatMap((d) => d.attempts);
  const changes = devices.reduce((n, d) => n + d.changesSent, 0);
  log.injected(`${seconds} s: 3 devices pushing inline, 1 queueing batches of up to 20, 1 reader pulling deltas — ${attempts.length} pushes, ${changes} changes, ${reader.pulls} pulls`);
  expect(attempts.filter((a) => a.status !== 200).slice(0, 5), "failed pushes").toEqual([]);
  log.checked(`error rate 0: all ${attempts.length} pushes answered 200 with the expected outcome for every change`);

  await queueSettled(c);
  const entities = await checkModels(c, devices);
  while (await pull());
  const rows = await c.query<{ entityId: string; version: number }>(`SELECT "entityId", "version" FROM "SyncMetadata" WHERE "entityId" = ANY($1::text[])`, [devices.flatMap((d) => [...d.model.keys()])]);
  expect(rows.filter((r) => reader.latest.get(r.entityId)?.clientVersion !== r.version), "entities the reader holds at another version").toEqual([]);
  log.checked(`final state equals the model for all ${entities} entities; the delta reader converged on every entity's current version`);

  const growth = { server: end.server - start.server, worker: end.worker - start.worker };
  log.checked(`RSS MiB server ${start.server} → ${end.server}, worker ${start.worker} → ${end.worker} (samples server/worker: ${samples.join(", ")})`);
  // Flat: growth bounded by a fixed allowance plus a fraction of the start (heap warm-up, JIT).
  expect(growth.server).toBeLessThan(80 + start.server * 0.5);
  expect(growth.worker).toBeLessThan(80 + start.worker * 0.5);
  log.checked(await checkClusterInvariants(c));
});
