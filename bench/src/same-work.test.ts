import { afterAll, beforeAll, expect, test } from "vitest";
import { checkSameWork, seedCheckEntities, statementPush } from "./same-work-check.ts";
import { createSameWork, sameWorkSchema } from "./same-work.ts";
import { type BenchServer, startBenchServer } from "./server.ts";

// The same-work baseline against the real push endpoint (a server process on its own database):
// the same batches leave the same rows. The check itself must see a difference when there is one.

let server: BenchServer;
let statement: string;
let checked: string[];
let tampered: string[];
let undigested: string[];
beforeAll(async () => {
  server = await startBenchServer();
  checked = await seedCheckEntities(server);
  tampered = await seedCheckEntities(server);
  undigested = await seedCheckEntities(server);
  statement = await createSameWork(server.pool, server.orgId);
});
afterAll(() => server?.close());

test("one push of the endpoint and one batch of the baseline answer alike and write the same rows", async () => {
  expect(await checkSameWork(server, statementPush(server, statement), checked)).toEqual([]);
});

test("the check sees a baseline that leaves out a change", async () => {
  const push = statementPush(server, statement);
  const differences = await checkSameWork(server, async (device, changes) => [...(await push(device, changes.slice(0, -1))), { status: "applied", version: 0 }], tampered, "bench-same-work-tampered");
  expect(differences.map((d) => d.what)).toEqual(expect.arrayContaining(["answers", "claims", "changeLog"]));
});

test("the check sees a baseline that leaves the verification digests out", async () => {
  const push = statementPush(server, statement);
  const skipDigests: typeof push = async (device, changes) => {
    const { rows } = await server.pool.query<{ last: string }>(`SELECT coalesce(max("id"), 0)::text AS last FROM ${sameWorkSchema}."SyncDigestDelta"`);
    const results = await push(device, changes);
    await server.pool.query(`DELETE FROM ${sameWorkSchema}."SyncDigestDelta" WHERE "id" > $1`, [rows[0]!.last]);
    return results;
  };
  const differences = await checkSameWork(server, skipDigests, undigested, "bench-same-work-undigested");
  expect(differences.map((d) => d.what)).toEqual(["digests"]);
});
