import { describe, expect, test } from "vitest";
import { jsonShapeIssue } from "./json-guard.ts";
import { limits } from "./limits.ts";

const nested = (depth: number): unknown => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe("jsonShapeIssue", () => {
  test("a realistic push body passes", () => {
    expect(jsonShapeIssue({ deviceId: "d", changes: [{ payload: { name: "Boiler", notes: null } }] })).toBeNull();
  });

  test("prototype keys are refused at any depth, with their path", () => {
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const body = JSON.parse(`{"changes":[{"payload":{"${key}":{"isAdmin":true}}}]}`);
      expect(jsonShapeIssue(body)).toEqual({ path: `changes.0.payload.${key}`, message: expect.any(String), code: "forbidden_key" });
    }
  });

  test("nesting is limited, and a very deep value does not exhaust the stack", () => {
    expect(jsonShapeIssue(nested(limits.maxJsonDepth))).toBeNull();
    expect(jsonShapeIssue(nested(limits.maxJsonDepth + 1))?.code).toBe("too_deep");
    expect(jsonShapeIssue(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)))?.code).toBe("too_deep");
  });

  test("overlong strings and keys are refused", () => {
    expect(jsonShapeIssue({ a: ["x".repeat(limits.maxStringLength + 1)] })).toMatchObject({ path: "a.0", code: "too_long" });
    expect(jsonShapeIssue({ ["k".repeat(limits.maxKeyLength + 1)]: 1 })).toMatchObject({ code: "too_long" });
  });
});
