// R3 database restart: PostgreSQL crashes under push load (stopped with -m immediate and kept
// down for a while, then `pg_ctl restart -m immediate` several times). Every push that got a 2xx
// is in the database; every unacknowledged push succeeds exactly once on retry; during the outage
// clients get 503 with Retry-After and never a stack trace (a COMMIT on a closed connection once
// came back as 500); and the server answers again afterwards. Each crash kills the transactions in
// flight, which used to leak their pool connections (packages/db/src/broken-transactions.test.ts
// covers that deterministically; here it shows as pushes that never complete).
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants } from "./harness/invariants.ts";
import { SimulatedDevice, checkModels, prng } from "./harness/load.ts";
import { sleep } from "./harness/processes.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R3 database restart");
beforeAll(async () => {
  c = await cluster();
});
afterAll(() => log.done());

const stackTrace = /\n\s+at |"stack"|node_modules|\/work\/|\.ts:\d+/;

test("PostgreSQL crash and restart under push load: acknowledged pushes kept, retries exactly once, 503 + Retry-After meanwhile", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  log.note(`load seed ${seed}`);
  const random = prng(seed);
  const devices = (["tech1", "tech1", "tech1", "tech1", "tech2", "tech2", "tech2", "tech2"] as const).map((user) => new SimulatedDevice(c, user));
  await Promise.all(devices.map((d) => c.api.token(d.user, d.deviceId)));
  let stopping = false;
  const load = Promise.all(devices.map((d) => d.run(() => stopping, random)));

  await sleep(1500);
  const downAt = Date.now();
  await c.postgres.stop("immediate");
  log.injected(`pg_ctl stop -m immediate under load from ${devices.length} devices; kept down 3 s`);
  const healthDuringOutage = await c.api.request("GET", "/healthz");
  await sleep(3000);
  await c.postgres.start();
  const upAt = Date.now();
  const crashes = 4;
  for (let i = 0; i < crashes; i++) {
    await sleep(1200);
    await c.postgres.restartImmediate();
  }
  log.injected(`pg_ctl restart -m immediate under load, ${crashes} times 1.2 s apart`);
  await sleep(1500);
  stopping = true;
  const recovered = await Promise.race([load.then(() => true), sleep(60_000).then(() => false)]);
  expect(recovered, "every device's push succeeded within 60 s of the last restart (no wedged connection pool)").toBe(true);

  const attempts = devices.flatMap((d) => d.attempts);
  const byStatus = new Map<string, number>();
  for (const a of attempts) byStatus.set(String(a.status), (byStatus.get(String(a.status)) ?? 0) + 1);
  log.note(`push attempts by answer: ${JSON.stringify(Object.fromEntries(byStatus))}`);
  expect(healthDuringOutage.status).toBe(503);
  // Every answer is a success or a 503 that says when to retry; nothing leaks internals.
  const bad = attempts.filter((a) => a.status !== 200 && (a.status !== 503 || a.code !== "SERVICE_UNAVAILABLE" || !/^\d+$/.test(a.retryAfter ?? "")));
  // On failure the server's own log says which error became the unexpected answer.
  const serverErrors = () => c.server.output.text().split("\n").filter((line) => line.includes('"level":50')).slice(-3).join("\n");
  expect(bad.slice(0, 5), `answers other than 200 or 503 + Retry-After; server errors:\n${bad.length ? serverErrors() : ""}`).toEqual([]);
  expect(attempts.filter((a) => stackTrace.test(a.text)).slice(0, 3), "a stack trace in a response").toEqual([]);
  const outage = attempts.filter((a) => a.at >= downAt && a.at <= upAt);
  expect(outage.filter((a) => a.status === 503).length, "503s while the database was down").toBeGreaterThan(0);
  log.checked(`${attempts.length} push attempts: only 200 or 503 with Retry-After and code SERVICE_UNAVAILABLE (${byStatus.get("503") ?? 0} × 503), no stack trace; /healthz 503 while down`);

  const acknowledged = devices.reduce((n, d) => n + d.acknowledged, 0);
  const duplicates = devices.reduce((n, d) => n + d.duplicatesSeen, 0);
  const entities = await checkModels(c, devices);
  log.checked(`${acknowledged} acknowledged pushes (${devices.reduce((n, d) => n + d.changesSent, 0)} changes; ${duplicates} came back as duplicates of a delivery whose answer was lost): all ${entities} entities hold exactly the acknowledged version and data, one log entry per version, one claim per changeId`);
  log.checked(await checkClusterInvariants(c));
});
