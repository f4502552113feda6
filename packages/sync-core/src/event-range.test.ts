import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { comparePositions, formatPosition, logOrigin, parsePosition, rangeStep } from "./event-range.ts";

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
