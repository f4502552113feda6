import { type EntityType, type ServerChange, catchUpSpreadMs } from "@fieldsync/schema";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { comparePositions, formatPosition, logOrigin, parsePosition, pullDelay, rangeForScope, rangeStep, replansCatchUp, scopeReferenceKey } from "./event-range.ts";
import { scopeKey } from "./scope.ts";

describe("rangeStep", () => {
  const range = { from: "10.5", to: "12.3" };
  test("a token at the range's start or inside it advances; at or past its end skips; before it or unknown pulls", () => {
    expect(rangeStep("10.5", range)).toBe("advance");
    expect(rangeStep("11.0", range)).toBe("advance");
    expect(rangeStep("12.3", range)).toBe("skip");
    expect(rangeStep("13.0", range)).toBe("skip");
    expect(rangeStep("10.4", range)).toBe("pull");
    expect(rangeStep("9.99", range)).toBe("pull");
    expect(rangeStep(null, range)).toBe("pull");
    expect(rangeStep("not a position", range)).toBe("pull");
    expect(rangeStep("11.0", { from: "12.3", to: "10.5" })).toBe("pull");
  });

  test("positions order by transaction, then row; a snapshot's fence (seq -1) comes before its rows", () => {
    expect(comparePositions(parsePosition("9.100")!, parsePosition("10.1")!)).toBeLessThan(0);
    expect(comparePositions(parsePosition("10.-1")!, parsePosition("10.0")!)).toBeLessThan(0);
    expect(formatPosition(parsePosition("123456789012.34")!)).toBe("123456789012.34");
    expect(parsePosition(logOrigin)).toEqual({ txid: 0n, seq: 0n });
  });
});

/**
 * A log of `n` changes at positions 1..n; events cover random ranges (complete, as the server
 * reads them under the fence) and arrive in any order, some lost; between them the device may
 * pull to the log's end. Whatever happens, the device holds every change up to its token's
 * position (no gap), and its token never moves back.
 */
describe("a device following events never skips a change", () => {
  const at = (i: number) => `${i + 1000}.${i}`;
  const scenario = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      start: fc.integer({ min: 0, max: n }),
      steps: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant("event" as const), a: fc.integer({ min: 0, max: n }), b: fc.integer({ min: 0, max: n }) }),
          fc.record({ kind: fc.constant("pull" as const), upTo: fc.integer({ min: 0, max: n }) }),
        ),
        { maxLength: 30 },
      ),
    }),
  );

  test("holds every change up to its position; the position only moves forward", () => {
    fc.assert(
      fc.property(scenario, ({ start, steps }) => {
        let position = start;
        const held = new Set<number>(Array.from({ length: start }, (_, i) => i + 1));
        for (const step of steps) {
          if (step.kind === "pull") {
            for (let i = position + 1; i <= Math.max(position, step.upTo); i++) held.add(i);
            position = Math.max(position, step.upTo);
            continue;
          }
          const [from, to] = step.a <= step.b ? [step.a, step.b] : [step.b, step.a];
          const decision = rangeStep(at(position), { from: at(from), to: at(to) });
          if (decision === "advance") {
            for (let i = from + 1; i <= to; i++) held.add(i);
            expect(to).toBeGreaterThan(position);
            position = to;
          } else if (decision === "skip") expect(position).toBeGreaterThanOrEqual(to);
          else expect(position).toBeLessThan(from);
          for (let i = 1; i <= position; i++) expect(held.has(i)).toBe(true);
        }
      }),
    );
  });
});

describe("rangeForScope", () => {
  const change = (entityType: EntityType, entityId: string, operation: ServerChange["operation"], payload: Record<string, unknown>): ServerChange => ({
    entityType,
    entityId,
    operation,
    payload,
    clientVersion: 2,
    timestamp: "2026-12-01T00:00:00.000Z",
    checksum: null,
  });
  const range = [
    change("asset", "a-north", "UPDATE", { name: "Pump", location: "Site A / Hall 1" }),
    change("asset", "a-moved", "UPDATE", { name: "Fan", location: "Site B" }),
    change("asset", "a-new-b", "CREATE", { name: "Valve", location: "Site B" }),
    change("task", "t-north", "UPDATE", { title: "Oil", assetId: "a-north" }),
    change("task", "t-south", "CREATE", { title: "Paint", assetId: "a-south" }),
    change("task", "t-orphan", "UPDATE", { title: "Lost", assetId: "a-gone" }),
    change("asset", "a-deleted", "DELETE", {}),
  ];
  // Where the referenced assets sit now, as the server reads them once per event; a-gone is gone.
  const references = { [scopeReferenceKey("asset", "a-north")]: "Site A / Hall 1", [scopeReferenceKey("asset", "a-south")]: "Site B" };
  const ids = (changes: readonly ServerChange[]) => changes.map((c) => c.entityId);

  test("no subscription: the whole range", () => {
    expect(rangeForScope(null, range, references)).toEqual({ changes: range, evict: [] });
  });

  test("a location subscription keeps its locations and what points there, evicts updates that left, keeps tombstones", () => {
    const scoped = rangeForScope({ locations: ["Site A"] }, range, references);
    expect(ids(scoped.changes)).toEqual(["a-north", "t-north", "a-deleted"]);
    // Updates out of scope are evicted (the device may hold them); creations out of scope are not its business.
    expect(scoped.evict).toEqual([
      { entityType: "asset", entityId: "a-moved" },
      { entityType: "task", entityId: "t-orphan" },
    ]);
  });

  test("an entity-type subscription gets only its types, tombstones included", () => {
    expect(ids(rangeForScope({ entityTypes: ["asset"] }, range, references).changes)).toEqual(["a-north", "a-moved", "a-new-b", "a-deleted"]);
    expect(rangeForScope({ entityTypes: ["schedule"] }, range, references)).toEqual({ changes: [], evict: [] });
  });

  test("a range with nothing in the scope is empty: the device still takes it", () => {
    expect(rangeForScope({ locations: ["Site C"] }, range.slice(2, 3), references)).toEqual({ changes: [], evict: [] });
  });

  test("scopeKey ignores the order of a subscription's lists and tells scopes apart", () => {
    expect(scopeKey({ locations: ["B", "A"], entityTypes: ["task", "asset"] })).toBe(scopeKey({ entityTypes: ["asset", "task"], locations: ["A", "B"] }));
    expect(scopeKey(null)).toBe("");
    expect(scopeKey({ locations: ["A"] })).not.toBe(scopeKey({ locations: ["A", "B"] }));
    expect(scopeKey({ locations: ["A"] })).not.toBe(scopeKey({ entityTypes: ["asset"] }));
  });
});

describe("pullDelay", () => {
  const bare = { range: { from: "5.1", to: "9.3" } };
  const held = { range: { ...bare.range, changes: [] } };
  test("a range announced without its changes is pulled at a random moment within the spread", () => {
    expect(pullDelay(bare, () => 0)).toBe(0);
    expect(pullDelay(bare, () => 0.5)).toBe(catchUpSpreadMs / 2);
    fc.assert(fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => pullDelay(bare, () => r) < catchUpSpreadMs));
  });

  test("the server's catch-up window, when the range names one, replaces the default spread", () => {
    const large = { range: { ...bare.range, catchUpMs: 120_000 } };
    expect(pullDelay(large, () => 0.5)).toBe(60_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (window, r) => {
        const delay = pullDelay({ range: { ...bare.range, catchUpMs: window } }, () => r);
        return delay >= 0 && delay < Math.max(window, 1) && Number.isInteger(delay);
      }),
    );
  });

  test("an event whose changes the device holds though it cannot move its token pulls within the spread, not at once", () => {
    // It shows them already; its token only follows later, so a fleet behind a storm does not pull on every event.
    expect(pullDelay(held, () => 0.5)).toBe(catchUpSpreadMs / 2);
    expect(pullDelay({ range: { ...held.range, catchUpMs: 120_000 } }, () => 0.5)).toBe(catchUpSpreadMs / 2);
  });

  test("a nudge without a range (an older server's) is pulled at once", () => {
    expect(pullDelay({}, () => 0.5)).toBe(0);
  });
});

describe("replansCatchUp", () => {
  test("only a range announced without its changes re-plans a pending catch-up", () => {
    expect(replansCatchUp({ range: { from: "5.1", to: "9.3" } })).toBe(true);
    expect(replansCatchUp({ range: { from: "5.1", to: "9.3", catchUpMs: 60_000 } })).toBe(true);
    expect(replansCatchUp({ range: { from: "5.1", to: "9.3", changes: [] } })).toBe(false);
    expect(replansCatchUp({})).toBe(false);
  });
});
