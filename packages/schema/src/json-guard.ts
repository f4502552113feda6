import { limits } from "./limits.ts";

/**
 * Keys that reach an object's prototype when a parsed body is later merged with `Object.assign`,
 * a deep merge or a spread into a class instance (prototype pollution). Refused at any depth.
 */
export const forbiddenJsonKeys: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export interface JsonShapeIssue {
  /** Dotted path to the offending value, like zod issue paths (`changes.3.payload`). */
  path: string;
  message: string;
  code: "forbidden_key" | "too_deep" | "too_long";
}

/**
 * Checks the shape of an untrusted JSON value before any schema sees it: nesting depth, forbidden
 * keys, and string and key lengths. Stops at the first issue (an attacker's body can hold millions)
 * and never recurses deeper than `maxJsonDepth`, so a deeply nested body cannot exhaust the stack.
 */
export function jsonShapeIssue(value: unknown): JsonShapeIssue | null {
  // One path, pushed and popped as the walk goes, joined only for an issue: a push's body has
  // thousands of nodes, and a copy of the path per node was most of the walk's cost.
  const path: string[] = [];
  const visit = (node: unknown, depth: number): JsonShapeIssue | null => {
    if (typeof node === "string") {
      return node.length > limits.maxStringLength
        ? { path: path.join("."), message: `strings are limited to ${limits.maxStringLength} characters`, code: "too_long" }
        : null;
    }
    if (node === null || typeof node !== "object") return null;
    if (depth >= limits.maxJsonDepth) {
      return { path: path.join("."), message: `JSON is limited to ${limits.maxJsonDepth} levels of nesting`, code: "too_deep" };
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(String(i));
        const issue = visit(node[i], depth + 1);
        if (issue) return issue;
        path.pop();
      }
      return null;
    }
    for (const key of Object.keys(node)) {
      if (forbiddenJsonKeys.has(key)) return { path: [...path, key].join("."), message: `the key "${key}" is not allowed`, code: "forbidden_key" };
      if (key.length > limits.maxKeyLength) {
        return { path: path.join("."), message: `keys are limited to ${limits.maxKeyLength} characters`, code: "too_long" };
      }
      path.push(key);
      const issue = visit((node as Record<string, unknown>)[key], depth + 1);
      if (issue) return issue;
      path.pop();
    }
    return null;
  };
  return visit(value, 0);
}
