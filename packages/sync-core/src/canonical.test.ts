import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { canonicalJson, checksum, sameJson } from "./canonical.ts";

const shuffleKeys = (value: unknown, seed: number): unknown => {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, seed));
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    const rotated = entries.slice(seed % (entries.length || 1)).concat(entries.slice(0, seed % (entries.length || 1)));
    return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, shuffleKeys(v, seed)]));
  }
  return value;
};

describe("canonicalJson", () => {
  test("sorts keys and drops whitespace", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x\n"], c: { z: 0, y: "é" } })).toBe(
      '{"a":[true,null,"x\\n"],"b":1,"c":{"y":"é","z":0}}',
    );
  });

  test("drops undefined members and rejects what JSON cannot hold", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
  });

  test("is independent of key order and round-trips through JSON.parse", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        const text = canonicalJson(value);
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe("sameJson", () => {
  /** JSON values with undefined members and items mixed in, and shared parts, so equal pairs occur. */
  const value = fc.letrec<{ json: unknown }>((tie) => ({
    json: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom(null, undefined, 0, -0, 1, "", "a", true, false),
      fc.array(tie("json"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom("a", "b", "c"), tie("json"), { maxKeys: 3 }),
    ),
  })).json;

  test("agrees with comparing canonical texts", () => {
    const reference = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(reference(a, b));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (a, seed) => {
        expect(sameJson(a, shuffleKeys(a, seed))).toBe(true);
      }),
    );
  });

  test("undefined is null, an undefined member is absent", () => {
    expect(sameJson(undefined, null)).toBe(true);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson({ a: null }, {})).toBe(false);
    expect(sameJson([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });
});

describe("checksum", () => {
  test("is the SHA-256 of the canonical text", async () => {
    // sha256("{}") and sha256('{"a":1,"b":"x"}'), computed independently with sha256sum
    expect(await checksum({})).toBe("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    expect(await checksum({ b: "x", a: 1 })).toBe("ecf9e98ec0641e23113ff3ce8bdc78d0ddd249886517fd4a7f68cc83d4e65667");
  });
});
