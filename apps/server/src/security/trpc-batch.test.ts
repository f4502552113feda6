// Batched tRPC requests (`/trpc/a,b,c?batch=1`) are bounded: calls per request, and the rows the
// calls may return together (a batch returns no more than one unbatched delta page could).
import { limits } from "@fieldsync/schema";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Api, setupApi } from "../test-kit.ts";
import { tableCounts } from "@fieldsync/testing/attack-kit";

let api: Api;
let token: string;
beforeAll(async () => {
  api = await setupApi();
  token = await api.token("tech1", "batch-phone");
});
afterAll(() => api.close());

const batch = (paths: string[], inputs: unknown[]) =>
  api.app.inject({
    method: "POST",
    url: `/trpc/${paths.join(",")}?batch=1`,
    headers: { authorization: `Bearer ${token}` },
    payload: Object.fromEntries(inputs.map((input, i) => [i, input])),
  });

const refusedAsTooLarge = (answers: unknown, paths: string[]) =>
  expect(answers).toMatchObject(paths.map((path) => ({ error: { data: { code: "BATCH_TOO_LARGE", httpStatus: 400, path } } })));

describe("tRPC batches", () => {
  test(`at most ${limits.maxBatchCalls} calls per request; more is a 400 BATCH_TOO_LARGE for each call`, async () => {
    const allowed = Array(limits.maxBatchCalls).fill("devices.list");
    expect((await api.app.inject({ method: "GET", url: `/trpc/${allowed.join(",")}?batch=1`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);

    const paths = Array(limits.maxBatchCalls + 1).fill("sync.delta");
    const before = await tableCounts(api.db);
    const response = await batch(paths, paths.map(() => ({ deviceId: "batch-phone", pageSize: 1 })));
    expect(response.statusCode).toBe(400);
    refusedAsTooLarge(response.json(), paths);
    expect(await tableCounts(api.db)).toEqual(before);
  });

  test(`the rows a batch may return are shared: page sizes (a push counts ${limits.pushResponsePageSize}, a list its limit) sum to at most ${limits.maxBatchRows}`, async () => {
    const half = limits.maxBatchRows / 2;
    const fits = await batch(["sync.delta", "sync.delta"], [{ deviceId: "batch-phone", pageSize: half }, { deviceId: "batch-phone", pageSize: half }]);
    expect(fits.statusCode).toBe(200);
    expect(fits.json()).toHaveLength(2);
    const admin = await api.token("admin");
    // Lists are queries: a GET batch with the inputs in `?input=`.
    const lists = (paths: string[], inputs: unknown[]) =>
      api.app.inject({
        method: "GET",
        url: `/trpc/${paths.join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(inputs.map((input, i) => [i, input]))))}`,
        headers: { authorization: `Bearer ${admin}` },
      });
    const fullLists = await lists(["conflicts.list", "audit.list"], [{ limit: 500 }, { limit: 200 }]);
    expect(fullLists.statusCode).toBe(200);
    // A delta without pageSize counts its default page: a full batch of them fits.
    const defaults = Array(limits.maxBatchCalls).fill("sync.delta");
    expect((await batch(defaults, defaults.map(() => ({ deviceId: "batch-phone" })))).statusCode).toBe(200);

    const before = await tableCounts(api.db);
    const deltas = ["sync.delta", "sync.delta"];
    const fullPageAndDefault = await batch(deltas, [{ deviceId: "batch-phone", pageSize: limits.maxPageSize }, { deviceId: "batch-phone" }]);
    expect(fullPageAndDefault.statusCode).toBe(400);
    refusedAsTooLarge(fullPageAndDefault.json(), deltas);
    const pushes = Array(Math.floor(limits.maxBatchRows / limits.pushResponsePageSize) + 1).fill("sync.push");
    const manyPushes = await batch(pushes, pushes.map(() => ({ deviceId: "batch-phone", changes: [] })));
    expect(manyPushes.statusCode).toBe(400);
    refusedAsTooLarge(manyPushes.json(), pushes);
    const listPaths = ["conflicts.list", "conflicts.list", "audit.list"];
    const tooManyListed = await lists(listPaths, [{ limit: 500 }, { limit: 500 }, {}]);
    expect(tooManyListed.statusCode).toBe(400);
    refusedAsTooLarge(tooManyListed.json(), listPaths);
    expect(await tableCounts(api.db)).toEqual(before);

    // One call alone is never refused: a full page fits the budget.
    expect((await batch(["sync.delta"], [{ deviceId: "batch-phone", pageSize: limits.maxPageSize }])).statusCode).toBe(200);
  });

  test("the call cap is the host's setting (TRPC_MAX_BATCH_CALLS)", async () => {
    const wider = await setupApi({}, { trpcMaxBatchCalls: limits.maxBatchCalls + 2 });
    try {
      const authorization = `Bearer ${await wider.token("tech1")}`;
      const list = (calls: number) =>
        wider.app.inject({ method: "GET", url: `/trpc/${Array(calls).fill("devices.list").join(",")}?batch=1`, headers: { authorization } });
      expect((await list(limits.maxBatchCalls + 2)).statusCode).toBe(200);
      expect((await list(limits.maxBatchCalls + 3)).statusCode).toBe(400);
    } finally {
      await wider.close();
    }
  });
});
