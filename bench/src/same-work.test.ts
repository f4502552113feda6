import { afterAll, beforeAll, expect, test } from "vitest";
import { checkSameWork, seedCheckEntities, statementPush } from "./same-work-check.ts";
import { createSameWork } from "./same-work.ts";
import { type BenchServer, startBenchServer } from "./server.ts";

// The same-work baseline against the real push endpoint (a server process on its own database):
// the same batches leave the same rows. The check itself must see a difference when there is one.

let server: BenchServer;
let statement: string;
let checked: string[];
let tampered: string[];
beforeAll(async () => {
  server = await startBenchServer();
  checked = await seedCheckEntities(server);
  tampered = await seedCheckEntities(server);
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
