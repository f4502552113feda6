import { expect, test } from "vitest";
import { renderedBodyOf, withRenderedChanges } from "./rendered-answer.ts";

const changes = `[{"entityType":"asset","entityId":"a1","operation":"CREATE","payload":{"name":"Pompe é"},"clientVersion":1,"timestamp":"2026-12-01T00:00:00.000Z","checksum":null}]`;

test("the body is the rendered changes with the other fields, as UTF-8 bytes built once for the pull gate and the reply", () => {
  const answer = withRenderedChanges(changes, { hasMore: false, position: null });
  const body = renderedBodyOf(answer)!;
  expect(Buffer.isBuffer(body)).toBe(true);
  expect(JSON.parse(body.toString("utf8"))).toEqual({ changes: JSON.parse(changes), hasMore: false, position: null });
  expect(renderedBodyOf(answer)).toBe(body);
  expect(answer.changes[0]!.payload).toEqual({ name: "Pompe é" });
});

test("an answer without rendered changes has no body", () => {
  expect(renderedBodyOf({ changes: [] })).toBeUndefined();
  expect(renderedBodyOf(null)).toBeUndefined();
});
