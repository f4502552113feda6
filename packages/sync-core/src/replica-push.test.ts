import type { ChangeResult } from "@fieldsync/schema";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { OutboxEntry } from "./replica.ts";
import { acknowledged, answeredEntries, effectOfResult, rebase } from "./replica-push.ts";

const entry = (patch: Partial<OutboxEntry> = {}): OutboxEntry => ({
  seq: 1, changeId: "c1", entityType: "asset", entityId: "e1", operation: "UPDATE", payload: { notes: "mine" }, baseVersion: 2,
  timestamp: "2026-11-30T12:00:00.000Z", status: "pending", attempts: 1, conflictId: null, error: null, ...patch,
});
const base = { index: 0, changeId: "c1", entityType: "asset" as const, entityId: "e1", duplicate: false };

describe("effectOfResult", () => {
  test("applied (first or duplicate delivery) acknowledges at the version; conflict and rejected mark the entry; queued keeps it", () => {
    const applied: ChangeResult = { ...base, status: "applied", version: 5, checksum: null, mergedConflictId: null };
    expect(effectOfResult(entry(), applied)).toEqual({ kind: "acknowledge", version: 5 });
    expect(effectOfResult(entry(), { ...applied, duplicate: true })).toEqual({ kind: "acknowledge", version: 5 });
    expect(effectOfResult(entry(), { ...base, status: "conflict", conflictId: "k1", serverVersion: 4 })).toEqual({
      kind: "mark", entry: entry({ status: "conflict", conflictId: "k1" }),
    });
    expect(effectOfResult(entry(), { ...base, status: "rejected", code: "ENTITY_DELETED", message: "gone" })).toEqual({
      kind: "mark", entry: entry({ status: "failed", error: { code: "ENTITY_DELETED", message: "gone" } }),
    });
    expect(effectOfResult(entry(), { ...base, status: "queued", queueItemId: "q1" })).toEqual({ kind: "keep" });
  });

  test("a result is matched to the sent entry at its index only if it names the same entity", () => {
    const results: ChangeResult[] = [
      { ...base, index: 0, status: "queued", queueItemId: "q" },
      { ...base, index: 1, entityId: "other", status: "queued", queueItemId: "q" },
      { ...base, index: 7, status: "queued", queueItemId: "q" },
    ];
    expect(answeredEntries([entry(), entry({ seq: 2 })], results).map(({ sent }) => sent.seq)).toEqual([1]);
  });
});

describe("acknowledged", () => {
  const server = { serverData: { name: "Pump", notes: null }, version: 2 };
  test("folds the entry into an older server copy", () => {
    expect(acknowledged("asset", server, entry(), 3)).toEqual({ serverData: { name: "Pump", notes: "mine" }, version: 3 });
  });
  test("keeps a newer copy already received (a merge, another device)", () => {
    const newer = { serverData: { name: "Merged", notes: "mine" }, version: 4 };
    expect(acknowledged("asset", newer, entry(), 3)).toBe(newer);
  });
  test("rebuilds a whole CREATE whose copy a reset dropped; nothing for an UPDATE", () => {
    expect(acknowledged("asset", undefined, entry({ operation: "CREATE", payload: { name: "New" } }), 1)?.serverData).toMatchObject({ name: "New", status: "OPERATIONAL" });
    expect(acknowledged("asset", undefined, entry(), 3)).toBeUndefined();
  });
});

describe("rebase", () => {
  test("moves unsent later edits onto the acknowledged version; sent ones and creates keep theirs", () => {
    const queue = [entry({ seq: 2, attempts: 0 }), entry({ seq: 3, attempts: 1 }), entry({ seq: 4, attempts: 0, operation: "CREATE", baseVersion: 0 })];
    expect(rebase(queue, 6)).toEqual([entry({ seq: 2, attempts: 0, baseVersion: 6 })]);
  });

  test("a pending edit's base never goes backwards, even when a replayed (duplicate) answer names an older version", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 5 }), fc.integer({ min: 1, max: 9 }), (bases, version) => {
        const queue = bases.map((baseVersion, i) => entry({ seq: i + 2, attempts: 0, baseVersion }));
        for (const moved of rebase(queue, version)) {
          const before = queue.find((e) => e.seq === moved.seq)!;
          expect(moved.baseVersion).toBeGreaterThanOrEqual(before.baseVersion);
        }
      }),
    );
  });
});
