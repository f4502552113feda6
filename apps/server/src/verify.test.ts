// Property tests through the HTTP endpoints of replica verification: any input is answered
// without a 5xx and writes nothing; for any bucket, its sub-bucket digests, its entity list and
// the entities fetched by id agree with each other and with sync-core's digest definition.
import { randomUUID } from "node:crypto";
import { type EntityType, entityTypes, errorCodes, limits } from "@fieldsync/schema";
import { checksum, checksumValue, digestHex } from "@fieldsync/sync-core";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { create } from "@fieldsync/testing/changes";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
const deviceId = "verifier";

beforeAll(async () => {
  api = await setupApi();
  // Enough entities that short buckets hold several.
  await api.push("tech1", deviceId, Array.from({ length: 300 }, (_, i) => create(randomUUID(), { name: `Pump ${i}`, location: `Site ${i % 5}` })));
});
afterAll(() => api.close());

const routes = ["/api/sync/digests", "/api/sync/digests/entities", "/api/sync/entities"] as const;
const hexPrefix = (min: number, max: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: min, maxLength: max });
const bucket = fc.record({ entityType: fc.constantFrom<EntityType>(...entityTypes), bucket: hexPrefix(2, 7) });

/** Near-valid bodies and junk: wrong prefixes, too many buckets, unknown keys and types. */
const anyBody = fc.oneof(
  fc.record({ deviceId: fc.constant(deviceId), within: fc.array(fc.oneof(bucket, fc.record({ entityType: fc.string(), bucket: fc.string() }), fc.anything()), { maxLength: limits.maxDigestBuckets + 2 }) }, { requiredKeys: ["deviceId"] }),
  fc.record({ deviceId: fc.constant(deviceId), buckets: fc.array(fc.oneof(bucket, fc.record({ entityType: fc.constantFrom(...entityTypes), bucket: hexPrefix(0, 10) })), { maxLength: limits.maxDigestBuckets + 2 }) }),
  fc.record({ deviceId: fc.constant(deviceId), refs: fc.array(fc.record({ entityType: fc.constantFrom(...entityTypes, "spaceship"), entityId: fc.oneof(fc.uuid(), fc.string()) }), { maxLength: limits.maxEntityFetch + 2 }) }),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })),
);

const footprint = async () => ({ meta: await api.db.syncMetadata.count(), log: await api.db.changeLog.count(), clients: await api.db.syncClient.count() });

test("any input to the verification routes is answered 200 or a clear 4xx with a known code, and writes nothing", async () => {
  const before = await footprint();
  const known = new Set<string>(Object.values(errorCodes));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), anyBody, async (route, body) => {
      const answer = await api.call("tech1", "POST", route, body);
      const where = `${route} ${JSON.stringify(body).slice(0, 300)} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      expect(answer.status, where).toBeLessThan(500);
      if (answer.status >= 400) {
        expect(known.has(answer.body.code), where).toBe(true);
        if (answer.body.code === "VALIDATION_FAILED") expect(answer.body.issues.length, where).toBeGreaterThan(0);
      } else expect(answer.status, where).toBe(200);
    }),
    { numRuns: 150 },
  );
  expect(await footprint()).toEqual(before);
});

test("for any bucket, its sub-bucket digests sum to its list, and the entities fetched by id carry those checksums", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<EntityType>("asset", "task"), hexPrefix(2, 3), async (entityType, prefix) => {
      const children = await api.call("tech1", "POST", "/api/sync/digests", { deviceId, within: [{ entityType, bucket: prefix }] });
      const listed = await api.call("tech1", "POST", "/api/sync/digests/entities", { deviceId, buckets: [{ entityType, bucket: prefix }] });
      expect([children.status, listed.status]).toEqual([200, 200]);
      const entities = listed.body.buckets[0].entities as { id: string; version: number; checksum: string }[];
      const childDigests = children.body.buckets as { bucket: string; digest: string; count: number }[];
      expect(childDigests.every((d) => d.bucket.length === prefix.length + 1 && d.bucket.startsWith(prefix))).toBe(true);
      expect(childDigests.reduce((n, d) => n + d.count, 0)).toBe(entities.length);
      expect(digestHex(childDigests.reduce((sum, d) => sum + BigInt(`0x${d.digest}`), 0n))).toBe(digestHex(entities.reduce((sum, e) => sum + checksumValue(e.checksum), 0n)));
      if (entities.length === 0) return;
      const fetched = await api.call("tech1", "POST", "/api/sync/entities", { deviceId, refs: entities.map((e) => ({ entityType, entityId: e.id })) });
      expect(fetched.status).toBe(200);
      const changes = fetched.body.changes as { entityId: string; clientVersion: number; checksum: string; payload: Record<string, unknown> }[];
      expect(changes.map((c) => [c.entityId, c.clientVersion, c.checksum]).sort()).toEqual(entities.map((e) => [e.id, e.version, e.checksum]).sort());
      for (const change of changes) expect(await checksum(change.payload)).toBe(change.checksum);
    }),
    { numRuns: 40 },
  );
});
