// 32 devices push 500 changes each at the same instant, with the default push gate: the server
// must not collapse. Every push is eventually accepted (after honouring Retry-After), every change
// lands exactly once, and the only refusal is 503 SERVER_BUSY (no pool timeouts, no 500s).
import { afterAll, beforeAll, expect, test } from "vitest";
import { pushStorm } from "@fieldsync/testing/push-storm";
import { type Api, setupApi } from "./test-kit.ts";

const devices = 32;
const changesPerPush = 500;

let api: Api;
let url: string;
beforeAll(async () => {
  // Pushes of 500 are applied inline (as in benchmark B1), not handed to the worker.
  api = await setupApi({ inlineMaxChanges: changesPerPush, maxDevicesPerUser: devices + 1 });
  await api.app.listen({ host: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
});
afterAll(() => api.close());

test("32 devices × 500 changes at once: every push accepted, every change applied exactly once", { timeout: 600_000 }, async () => {
  const outcomes = await pushStorm({ url, devices, changesPerPush, tokenFor: (deviceId) => api.token("tech1", deviceId) });

  for (const { attempts, response } of outcomes) {
    expect(attempts.slice(0, -1)).toEqual(attempts.slice(0, -1).map(() => ({ status: 503, code: "SERVER_BUSY" })));
    expect(attempts.at(-1)).toEqual({ status: 200 });
    expect(response.results.map((result) => result.status)).toEqual(Array(changesPerPush).fill("applied"));
  }
  const changes = outcomes.flatMap((outcome) => outcome.changes);
  const entityIds = changes.map((change) => change.entityId);
  const [written] = await api.db.$queryRaw<{ assets: bigint; log: bigint; logged: bigint; claims: bigint; claimed: bigint }[]>`
    SELECT (SELECT count(*) FROM "Asset" WHERE id = ANY(${entityIds}::text[])) AS assets,
           (SELECT count(*) FROM "ChangeLog" WHERE "entityId" = ANY(${entityIds}::text[])) AS log,
           (SELECT count(DISTINCT "entityId") FROM "ChangeLog" WHERE "entityId" = ANY(${entityIds}::text[])) AS logged,
           (SELECT count(*) FROM "SyncQueue" WHERE "changeId" = ANY(${changes.map((change) => change.changeId)}::text[])) AS claims,
           (SELECT count(DISTINCT "changeId") FROM "SyncQueue" WHERE "changeId" = ANY(${changes.map((change) => change.changeId)}::text[])) AS claimed`;
  const total = devices * changesPerPush;
  expect(written).toEqual({ assets: BigInt(total), log: BigInt(total), logged: BigInt(total), claims: BigInt(total), claimed: BigInt(total) });
  expect(api.app.pushGate.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
});
