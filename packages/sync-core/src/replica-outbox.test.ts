import { expect, test } from "vitest";
import type { OutboxEntry } from "./replica.ts";
import { batchClaimer, retried, settleConflicts } from "./replica-outbox.ts";

const entry = (seq: number, entityId: string, patch: Partial<OutboxEntry> = {}): OutboxEntry => ({
  seq, changeId: `c${seq}`, entityType: "asset", entityId, operation: "UPDATE", payload: { notes: "x" }, baseVersion: 1,
  timestamp: "2026-11-30T12:00:00.000Z", status: "pending", attempts: 0, conflictId: null, error: null, ...patch,
});

const claim = (outbox: OutboxEntry[], limit: number, skip = new Set<number>()) => {
  const claimer = batchClaimer(limit, skip);
  for (const e of outbox) {
    if (claimer.full()) break;
    claimer.offer(e);
  }
  return claimer.batch.map((e) => [e.seq, e.attempts]);
};

test("claims one change per entity in push order, counting an attempt, up to the limit", () => {
  const outbox = [entry(1, "a"), entry(2, "a"), entry(3, "b", { attempts: 2 }), entry(4, "c")];
  expect(claim(outbox, 10)).toEqual([[1, 1], [3, 3], [4, 1]]);
  expect(claim(outbox, 2)).toEqual([[1, 1], [3, 3]]);
});

test("an entity whose oldest change waits on a conflict, failed, or is skipped holds back its later changes", () => {
  const outbox = [entry(1, "a", { status: "conflict" }), entry(2, "a"), entry(3, "b", { status: "failed" }), entry(4, "b"), entry(5, "c"), entry(6, "c"), entry(7, "d")];
  expect(claim(outbox, 10, new Set([5]))).toEqual([[7, 1]]);
});

test("a retried change gets a new changeId, the current base (0 for a create) and a clean slate; only failed ones", () => {
  const failed = entry(1, "a", { status: "failed", attempts: 3, error: { code: "X", message: "m" } });
  expect(retried(failed, 7, "new")).toEqual({ ...failed, changeId: "new", baseVersion: 7, status: "pending", attempts: 0, error: null });
  expect(retried({ ...failed, operation: "CREATE", baseVersion: 0 }, 7, "new")?.baseVersion).toBe(0);
  expect(retried(entry(1, "a"), 7, "new")).toBeNull();
});

test("settled conflicts drop their waiting change when resolved, fail it when unknown; open or unasked ones stay", () => {
  const waiting = [entry(1, "a", { status: "conflict", conflictId: "k1" }), entry(2, "b", { status: "conflict", conflictId: "k2" }), entry(3, "c", { status: "conflict", conflictId: "k3" }), entry(4, "d", { status: "conflict", conflictId: "k4" })];
  const { dropped, failed } = settleConflicts(waiting, [
    { conflictId: "k1", status: "resolved", conflict: null },
    { conflictId: "k2", status: "unknown", conflict: null },
    { conflictId: "k3", status: "open", conflict: null },
  ]);
  expect(dropped.map((e) => e.seq)).toEqual([1]);
  expect(failed).toEqual([{ ...waiting[1]!, status: "failed", conflictId: null, error: { code: "NOT_FOUND", message: expect.stringMatching(/no longer knows/) } }]);
});
