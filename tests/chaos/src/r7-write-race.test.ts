// R7 write race: N devices update the same field of the same entity from the same base version
// at the same instant. Exactly one update applies; every other device gets a conflict carrying
// the server's data (the winner's), and its own edit is kept in the conflict: no lost update.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type UserName, createAsset, updateAsset } from "./harness/client.ts";
import { type Cluster, cluster } from "./harness/cluster.ts";
import { checkClusterInvariants } from "./harness/invariants.ts";
import { scenario } from "./harness/report.ts";

let c: Cluster;
const log = scenario("R7 write race");
beforeAll(async () => {
  c = await cluster();
});
afterAll(() => log.done());

test("N concurrent updates of one base version: one applies, the rest conflict with the winner's data", async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  log.note(`fast-check seed ${seed}`);
  const races: number[] = [];
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 2, max: 8 }), async (n) => {
      races.push(n);
      const entityId = randomUUID();
      await c.api.push("tech1", { deviceId: `r7-setup-${randomUUID()}`, changes: [createAsset(entityId, { name: "R7 contested", notes: "base" })] });
      const contenders = Array.from({ length: n }, (_, i) => ({
        user: (i % 2 === 0 ? "tech1" : "tech2") as UserName,
        deviceId: `r7-${i}-${randomUUID()}`,
        notes: `edit from device ${i}`,
      }));
      // Tokens first, so the pushes leave as close together as possible.
      await Promise.all(contenders.map((d) => c.api.token(d.user, d.deviceId)));
      const replies = await Promise.all(contenders.map((d) => c.api.push(d.user, { deviceId: d.deviceId, changes: [updateAsset(entityId, 1, { notes: d.notes })] })));

      const applied = replies.flatMap((r, i) => (r.results[0]!.status === "applied" ? [i] : []));
      expect(applied).toHaveLength(1);
      const winner = contenders[applied[0]!]!;
      expect(replies[applied[0]!]!.results[0]).toMatchObject({ status: "applied", version: 2 });
      const losers = replies.filter((_, i) => i !== applied[0]);
      for (const [i, reply] of losers.entries()) {
        expect(reply.results[0]).toMatchObject({ status: "conflict", serverVersion: 2 });
        expect(reply.conflicts).toHaveLength(1);
        expect(reply.conflicts[0]!.serverData).toMatchObject({ notes: winner.notes });
        expect(reply.conflicts[0]!.clientData).toMatchObject({ notes: contenders.filter((d) => d !== winner)[i]!.notes });
      }
      const [facts] = await c.query<{ version: number; log: number; conflicts: number; open: number; notes: string }>(
        `SELECT (SELECT "version" FROM "SyncMetadata" WHERE "entityId" = $1) AS version,
                (SELECT count(*)::int FROM "ChangeLog" WHERE "entityId" = $1) AS log,
                (SELECT count(*)::int FROM "SyncConflict" WHERE "entityId" = $1) AS conflicts,
                (SELECT count(*)::int FROM "SyncConflict" WHERE "entityId" = $1 AND "resolvedAt" IS NULL) AS open,
                (SELECT "notes" FROM "Asset" WHERE "id" = $1) AS notes`,
        [entityId],
      );
      expect(facts).toEqual({ version: 2, log: 2, conflicts: n - 1, open: n - 1, notes: winner.notes });
    }),
    { seed, numRuns: 6, endOnFailure: true },
  );
  log.injected(`${races.length} races of ${races.join(", ")} devices (tech1 and tech2) updating the same field from base version 1 at once`);
  log.checked("exactly one applied (version 2); every other one a conflict with serverVersion 2, the winner's data as serverData and its own edit as clientData; one open conflict per loser, entity at version 2 with the winner's value");
  log.checked(await checkClusterInvariants(c));
});
