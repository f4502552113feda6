import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { applyPatch, changedFields, threeWayMerge } from "./merge.ts";

const fields = ["name", "location", "notes", "status", "serialNumber"] as const;
const value = fc.oneof(fc.constant(null), fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 3 }));
const entity = fc.record(Object.fromEntries(fields.map((f) => [f, value])) as Record<(typeof fields)[number], typeof value>);
const patch = fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: fields.length });

describe("threeWayMerge", () => {
  test("keeps both sides' edits to different fields", () => {
    const base = { name: "Pump", location: "B1", notes: null };
    const server = { ...base, location: "B2" };
    const client = { ...base, notes: "leaks" };
    const result = threeWayMerge(base, server, client);
    expect(result.merged).toEqual({ name: "Pump", location: "B2", notes: "leaks" });
    expect(result.conflictingFields).toEqual([]);
  });

  test("reports a field both sides changed differently and takes the preferred side", () => {
    const base = { name: "Pump" };
    expect(threeWayMerge(base, { name: "A" }, { name: "B" })).toMatchObject({ conflictingFields: ["name"], merged: { name: "A" } });
    expect(threeWayMerge(base, { name: "A" }, { name: "B" }, "client").merged).toEqual({ name: "B" });
    expect(threeWayMerge(base, { name: "A" }, { name: "A" }).conflictingFields).toEqual([]);
  });

  test("is deterministic", () => {
    fc.assert(
      fc.property(entity, patch, patch, (base, s, c) => {
        const server = applyPatch(base, s);
        const client = applyPatch(base, c);
        expect(threeWayMerge(base, server, client)).toEqual(threeWayMerge(base, server, client));
      }),
    );
  });

  test("merging the same edit twice changes nothing", () => {
    fc.assert(
      fc.property(entity, patch, patch, fc.constantFrom("client" as const, "server" as const), (base, s, c, prefer) => {
        const client = applyPatch(base, c);
        const once = threeWayMerge(base, applyPatch(base, s), client, prefer).merged;
        const twice = threeWayMerge(base, once, client, prefer).merged;
        expect(twice).toEqual(once);
      }),
    );
  });

  test("disjoint edits never lose a field", () => {
    fc.assert(
      fc.property(entity, patch, patch, (base, s, c) => {
        const server = applyPatch(base, s);
        const client = applyPatch(base, c);
        const { merged, conflictingFields } = threeWayMerge(base, server, client);
        for (const key of changedFields(base, client)) {
          if (!conflictingFields.includes(key)) expect(merged[key]).toEqual(client[key]);
        }
        for (const key of changedFields(base, server)) {
          if (!conflictingFields.includes(key)) expect(merged[key]).toEqual(server[key]);
        }
        for (const key of conflictingFields) expect(merged[key]).toEqual(server[key]);
      }),
    );
  });
});
