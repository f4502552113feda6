// Cluster-wide invariants every scenario ends with: the queue has drained, BullMQ holds no
// active job, and each entity's versions in the change log are exactly 1..n with n its current
// version (a change applied twice, or a lost write, would break that).
import { expect } from "vitest";
import { type Cluster, redisPrefix } from "./cluster.ts";
import { waitFor } from "./processes.ts";

export async function queueSettled(c: Cluster, timeoutMs = 90_000) {
  await waitFor(async () => {
    const [row] = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "SyncQueue" WHERE "status" IN ('PENDING', 'SYNCING')`);
    return row!.n === 0;
  }, timeoutMs, `the sync queue to drain\n--- worker output ---\n${c.worker.output.text().slice(-3000)}`);
}

export async function activeJobs(c: Cluster): Promise<number> {
  const redis = c.redis.client();
  try {
    return await redis.llen(`${redisPrefix}:sync-push:active`);
  } finally {
    redis.disconnect();
  }
}

/** Returns a one-line summary for the scenario's report. */
export async function checkClusterInvariants(c: Cluster): Promise<string> {
  await queueSettled(c);
  await waitFor(async () => (await activeJobs(c)) === 0, 30_000, "BullMQ's active list to empty");
  const broken = await c.query<{ entityType: string; entityId: string; version: number; n: number; max: number; distinct: number }>(`
    SELECT m."entityType", m."entityId", m."version", count(l.*)::int AS n, max(l."version") AS max, count(DISTINCT l."version")::int AS distinct
    FROM "SyncMetadata" m LEFT JOIN "ChangeLog" l ON l."orgId" = m."orgId" AND l."entityType" = m."entityType" AND l."entityId" = m."entityId"
    GROUP BY m."orgId", m."entityType", m."entityId", m."version"
    HAVING count(l.*) <> m."version" OR max(l."version") <> m."version" OR count(DISTINCT l."version") <> m."version"`);
  expect(broken, "entities whose change log is not exactly versions 1..n").toEqual([]);
  const [{ entities, changes, rows }] = (await c.query<{ entities: number; changes: number; rows: number }>(`
    SELECT (SELECT count(*)::int FROM "SyncMetadata") AS entities, (SELECT count(*)::int FROM "ChangeLog") AS changes,
           (SELECT count(*)::int FROM "SyncQueue") AS rows`)) as [{ entities: number; changes: number; rows: number }];
  expect(c.server.unexpectedExits + c.worker.unexpectedExits, "server or worker crashed on its own").toBe(0);
  return `queue drained, 0 active jobs, ${entities} entities / ${changes} log entries with versions exactly 1..n, ${rows} SyncQueue rows, no unplanned process exit`;
}
