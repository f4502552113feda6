import type { ServerChange } from "@fieldsync/schema";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { newerChanges } from "./replica-pull.ts";
import { MemoryReplica, createPayload, patch } from "./test-support/replica-model.ts";
import { entityKey } from "./entity-key.ts";

const id = "00000000-0000-4000-8000-0000000000c1";
const other = "00000000-0000-4000-8000-0000000000c2";
const change = (entityId: string, version: number, payload: Record<string, unknown>, operation: ServerChange["operation"] = "UPDATE"): ServerChange => ({
  entityType: "asset", entityId, operation, payload, clientVersion: version, timestamp: "2026-11-30T12:00:00.000Z", checksum: null,
});

describe("newerChanges", () => {
  test("takes each entity's newest version above the stored one, counting newer changes in page order", () => {
    const page = [change(id, 3, { name: "v3" }), change(id, 2, { name: "v2" }), change(other, 1, { name: "o1" }), change(id, 4, { name: "v4" })];
    const { fresh, applied } = newerChanges(page, new Map([[entityKey("asset", other), 1]]));
    expect(fresh.map((c) => [c.entityId, c.clientVersion])).toEqual([[id, 4]]);
    expect(applied).toBe(2);
  });
});

const fullAsset = { name: "Pump", serialNumber: null, location: "Hall 1", notes: null, status: "OPERATIONAL" };
const pulled = fc.record({
  version: fc.integer({ min: 1, max: 6 }),
  deleted: fc.boolean(),
  data: createPayload.map((p) => ({ ...fullAsset, ...p })),
});

describe("a pull under pending edits (rebase of the view)", () => {
  test("never loses a pending edit, never moves a version back, and shows the edit over the new server copy", () => {
    fc.assert(
      fc.property(fc.array(patch, { minLength: 1, maxLength: 4 }), fc.array(pulled, { maxLength: 4 }), (edits, pulls) => {
        const replica = new MemoryReplica();
        replica.applyChanges([change(id, 1, fullAsset, "CREATE")]);
        for (const edit of edits) replica.edit("asset", id, "UPDATE", edit);
        const queued = replica.outbox.map((entry) => ({ ...entry }));
        let version = 1;
        for (const p of pulls) {
          replica.applyChanges([change(id, p.version, p.deleted ? {} : p.data, p.deleted ? "DELETE" : "UPDATE")]);
          const row = replica.rows.get(entityKey("asset", id))!;
          expect(row.version).toBe(Math.max(version, p.version));
          version = row.version;
          // The outbox is the user's work: a pull leaves it exactly as it was.
          expect(replica.outbox).toEqual(queued);
          expect(row.pending).toBe(1);
          const edited = Object.assign({}, ...edits);
          if (row.serverData !== null) expect(row.data).toEqual({ ...row.serverData, ...edited });
          else expect(row.data).toBeNull();
        }
      }),
    );
  });
});
