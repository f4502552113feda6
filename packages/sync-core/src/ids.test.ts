import { entityIdSchema } from "@fieldsync/schema";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newId } from "./ids.ts";

describe("newId", () => {
  it("is a UUID version 7 with the RFC 9562 variant, accepted wherever the schema takes an id", () => {
    const id = newId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(entityIdSchema.safeParse(id).success).toBe(true);
  });

  it("carries its creation time in its first 48 bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (time) => {
        expect(Number.parseInt(newId(time).replace("-", "").slice(0, 12), 16)).toBe(time);
      }),
    );
  });

  it("sorts by creation time across milliseconds, so indexes keyed by ids grow at their end", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 10_000 }), (time, later) => {
        const [first, second] = [newId(time), newId(Math.min(2 ** 48 - 1, time + later))];
        expect(first < second).toBe(true);
      }),
    );
  });

  it("differs between ids of the same millisecond", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
