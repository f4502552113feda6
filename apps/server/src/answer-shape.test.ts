import { randomUUID } from "node:crypto";
import { deltaResponseSchema, pushResponseSchema } from "@fieldsync/schema";
import { afterAll, beforeAll, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import { type Api, setupApi } from "./test-kit.ts";

// The push and delta answers are typed, not parsed, at runtime (packages/api/src/unparsed-output.ts):
// here the real answers meet their zod schemas, and parsing must change nothing (no extra field
// that zod would strip, no value it would transform).

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

const unchangedByParse = (schema: typeof pushResponseSchema | typeof deltaResponseSchema, body: unknown) =>
  expect(schema.parse(body)).toEqual(body);

test("a mixed push answer (applied, conflict, rejected, duplicate; queued) is exactly what its schema describes", async () => {
  const id = randomUUID();
  const original = create(id, { name: "Shape" });
  const first = await api.push("tech1", "shape-a", [original]);
  await api.push("tech2", "shape-b", [update(id, 1, { name: "Elsewhere" })]);
  const mixed = await api.push(
    "tech1",
    "shape-a",
    [update(id, 1, { name: "Mine" }), update(id, 9, { notes: "ahead" }), original, create(randomUUID(), { name: "New" })],
    first.syncToken,
  );
  expect(mixed.results.map((r) => [r.status, r.duplicate])).toEqual([["conflict", false], ["rejected", false], ["applied", true], ["applied", false]]);
  expect(mixed.conflicts).toHaveLength(1);
  expect(mixed.changes.map((c) => c.entityId)).toContain(id);
  unchangedByParse(pushResponseSchema, mixed);

  const queued = await api.call("tech1", "POST", "/api/sync", { deviceId: "shape-a", async: true, changes: [create(randomUUID(), { name: "Later" })] });
  expect(queued.body.results.map((r: { status: string }) => r.status)).toEqual(["queued"]);
  unchangedByParse(pushResponseSchema, queued.body);
});

test("delta answers, a snapshot page and a log page, are exactly what their schema describes", async () => {
  const snapshot = await api.call("tech2", "POST", "/api/sync/delta", { deviceId: "shape-c" });
  expect(snapshot.status).toBe(200);
  expect(snapshot.body.progress).not.toBeNull();
  unchangedByParse(deltaResponseSchema, snapshot.body);

  await api.push("tech1", "shape-a", [create(randomUUID(), { name: "Logged" })]);
  const log = await api.call("tech2", "POST", "/api/sync/delta", { deviceId: "shape-c", pageToken: snapshot.body.nextPageToken });
  expect(log.body.changes.length).toBeGreaterThan(0);
  unchangedByParse(deltaResponseSchema, log.body);
});
