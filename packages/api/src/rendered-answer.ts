import type { ServerChange } from "@fieldsync/schema";

const renderedBody = Symbol("renderedBody");

/**
 * An answer whose `changes` PostgreSQL already rendered as a JSON array (pull.ts). REST sends its
 * body as text without parsing the array (renderedBodyOf); whatever else reads the answer (tRPC's
 * serializer, in-process callers, tests) sees an ordinary object: the array is parsed on first read.
 */
export function withRenderedChanges<R extends object>(changes: string, rest: R): R & { changes: ServerChange[] } {
  let parsed: ServerChange[] | undefined;
  const answer = Object.defineProperty({ ...rest }, "changes", {
    enumerable: true,
    get: () => (parsed ??= JSON.parse(changes) as ServerChange[]),
  }) as R & { changes: ServerChange[] };
  const tail = JSON.stringify(rest);
  Object.defineProperty(answer, renderedBody, { value: () => `{"changes":${changes}${tail === "{}" ? "}" : `,${tail.slice(1)}`}` });
  return answer;
}

/** The JSON body of an answer made by withRenderedChanges; undefined for any other value. */
export function renderedBodyOf(answer: unknown): string | undefined {
  const body = typeof answer === "object" && answer !== null ? (answer as { [renderedBody]?: () => string })[renderedBody] : undefined;
  return body?.();
}
