import fc from "fast-check";
import type { ConflictSide, NewerSide, Role } from "@fieldsync/schema";
import { describe, expect, test } from "vitest";
import { type ChoiceCount, type LearnInput, keptSides, learnedSuggestions, learning, shareLowerBound } from "./learned-suggest.ts";
import { newerSide } from "./suggest.ts";

const conflict: LearnInput = { entityType: "asset", conflictingFields: ["location"], clientRole: "TECHNICIAN", newer: "server", rule: "SERVER_WINS" };

const count = (side: ConflictSide, n: number, over: Partial<ChoiceCount> = {}): ChoiceCount => ({
  entityType: "asset", field: "location", clientRole: "TECHNICIAN", newer: "server", side, count: n, ...over,
});

const only = (history: ChoiceCount[], input: LearnInput = conflict) => learnedSuggestions(history, input)[0]!;

describe("learnedSuggestions", () => {
  test("a clear habit overrides the rule, with the counts in words", () => {
    const suggestion = only([count("client", 37), count("server", 3)]);
    expect(suggestion).toMatchObject({ field: "location", side: "client", source: "learned", basis: "conditions", kept: 37, of: 40 });
    expect(suggestion.reason).toBe("Your team kept the on-site value in 37 of 40 past conflicts on Asset · Location (a technician's edit, saved value newer).");
  });

  test("history under other conditions counts for the field as a whole", () => {
    const other = { clientRole: "ADMIN", newer: "client" } as const;
    const suggestion = only([count("server", 18, other), count("client", 2, other)]);
    expect(suggestion).toMatchObject({ side: "server", basis: "field", kept: 18, of: 20 });
    expect(suggestion.reason).toBe("Your team kept the saved value in 18 of 20 past conflicts on Asset · Location.");
  });

  test("…unless the few conflicts like this one lean the other way: then the rule", () => {
    const suggestion = only([count("client", 18, { newer: "client" }), count("server", 3)]);
    expect(suggestion).toMatchObject({ side: "server", source: "rule", kept: 18, of: 21 });
    expect(suggestion.reason).toBe(
      "Past choices on Asset · Location depend on the case: 18 of 21 kept the device's value, but not most like this one (a technician's edit, saved value newer). By the rules, the saved value is newer.",
    );
  });

  test("the conditions win over the field when they are clearer, even against its majority", () => {
    const history = [count("server", 30, { clientRole: "ADMIN" }), count("client", 12)];
    expect(only(history)).toMatchObject({ side: "client", basis: "conditions", kept: 12, of: 12 });
    expect(only(history, { ...conflict, clientRole: "ADMIN" })).toMatchObject({ side: "server", basis: "conditions", kept: 30, of: 30 });
  });

  test(`below ${learning.minHistory} past conflicts the rule answers, and says why`, () => {
    const suggestion = only([count("client", learning.minHistory - 1)]);
    expect(suggestion).toMatchObject({ side: "server", source: "rule", basis: "rule", confidence: 0 });
    expect(suggestion.reason).toBe("Only 4 past conflicts on Asset · Location (5 needed to learn from). By the rules, the saved value is newer.");
  });

  test("a split history is no habit: the rule answers", () => {
    const suggestion = only([count("client", 6), count("server", 5)], { ...conflict, newer: "client", rule: "CLIENT_WINS" });
    expect(suggestion).toMatchObject({ side: "client", source: "rule" });
    expect(suggestion.reason).toBe(
      "Past choices on Asset · Location are split: 6 of 11 kept the device's value. By the rules, the device's edit is newer, and device edits are kept by default.",
    );
  });

  test("other organizations' fields and types do not leak in; one suggestion per field, in order", () => {
    const history = [count("client", 50, { field: "notes" }), count("client", 50, { entityType: "task" })];
    const suggestions = learnedSuggestions(history, { ...conflict, conflictingFields: ["serialNumber", "location"] });
    expect(suggestions.map((s) => [s.field, s.source])).toEqual([["serialNumber", "rule"], ["location", "rule"]]);
  });
});

describe("newerSide reads the rule's answer back", () => {
  test("under each preference", () => {
    expect(newerSide("SERVER_WINS", { preference: "CLIENT_WINS" })).toBe("server");
    expect(newerSide("CLIENT_WINS", { preference: "CLIENT_WINS" })).toBe("client");
    expect(newerSide("MERGE", { preference: "CLIENT_WINS" })).toBe("client");
    expect(newerSide("SERVER_WINS", { preference: "SERVER_WINS" })).toBe("unknown");
  });
});

describe("keptSides", () => {
  const client = { name: "A", location: "Roof", serialNumber: "S-1" };
  const server = { name: "B", location: "Basement", serialNumber: "S-2" };
  test("each field's value says which side was kept; a typed third value or a delete teaches nothing", () => {
    const fields = ["name", "location", "serialNumber"];
    expect(keptSides(fields, { client, server }, { name: "A", location: "Basement", serialNumber: "S-9" })).toEqual([
      { field: "name", side: "client" },
      { field: "location", side: "server" },
    ]);
    expect(keptSides(fields, { client: null, server }, server)).toEqual([]);
  });
});

const sides = fc.constantFrom<ConflictSide>("client", "server");
const roles = fc.constantFrom<Role>("TECHNICIAN", "ADMIN");
const newers = fc.constantFrom<NewerSide>("client", "server", "unknown");
const fields = ["location", "serialNumber"] as const;
const cell = fc.record({
  entityType: fc.constant("asset" as const),
  field: fc.constantFrom(...fields),
  clientRole: roles,
  newer: newers,
  side: sides,
  count: fc.integer({ min: 0, max: 60 }),
});
const history = fc.array(cell, { maxLength: 12 });
const input = fc.record({
  entityType: fc.constant("asset" as const),
  conflictingFields: fc.constant([...fields]),
  clientRole: roles,
  newer: newers,
  rule: fc.constantFrom("CLIENT_WINS" as const, "SERVER_WINS" as const),
});
const total = (h: ChoiceCount[], field: string) => h.filter((c) => c.field === field).reduce((sum, c) => sum + c.count, 0);

describe("properties", () => {
  test("thin history on a field ⇒ the rule's answer", () => {
    fc.assert(fc.property(history, input, (h, i) => {
      for (const suggestion of learnedSuggestions(h, i)) {
        if (total(h, suggestion.field) < learning.minHistory) {
          expect(suggestion).toMatchObject({ source: "rule", side: i.rule === "CLIENT_WINS" ? "client" : "server" });
        }
      }
    }));
  });

  test("adding a choice that agrees with the suggestion never lowers its confidence nor changes its side", () => {
    fc.assert(fc.property(history, input, fc.integer({ min: 1, max: 5 }), (h, i, extra) => {
      const before = learnedSuggestions(h, i);
      const agreeing = before.map((s) => ({ entityType: i.entityType, field: s.field, clientRole: i.clientRole, newer: i.newer, side: s.side, count: extra }));
      const after = learnedSuggestions([...h, ...agreeing], i);
      after.forEach((s, n) => {
        expect(s.side).toBe(before[n]!.side);
        expect(s.confidence).toBeGreaterThanOrEqual(before[n]!.confidence);
      });
    }));
  });

  test("deterministic, and the order of the history does not matter", () => {
    fc.assert(fc.property(history, input, (h, i) => {
      expect(learnedSuggestions(h, i)).toEqual(learnedSuggestions([...h].reverse(), i));
    }));
  });

  test("no kept choice bounds the share at exactly 0 (rounding left 4e-19 at 0 of 353)", () => {
    for (const of of [1, 5, 353, 500]) expect(shareLowerBound(0, of)).toBe(0);
  });

  test("the bound never rises above the share, and grows with agreeing samples", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (kept, more) => {
      const of = kept + more;
      const bound = shareLowerBound(kept, of);
      expect(bound).toBeLessThanOrEqual(of === 0 ? 0 : kept / of);
      if (kept >= more) expect(shareLowerBound(kept + 1, of + 1)).toBeGreaterThanOrEqual(bound);
    }));
  });
});
