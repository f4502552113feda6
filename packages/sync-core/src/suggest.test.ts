import { describe, expect, test } from "vitest";
import { suggestResolution } from "./suggest.ts";

const earlier = new Date("2026-01-01T10:00:00Z");
const later = new Date("2026-01-01T11:00:00Z");
const policy = { preference: "CLIENT_WINS" as const };

describe("suggestResolution", () => {
  test("server modified after the client's edit → SERVER_WINS, even for disjoint fields", () => {
    expect(suggestResolution({ serverModifiedAt: later, clientTimestamp: earlier, conflictingFields: [], mergeable: true, policy })).toBe("SERVER_WINS");
  });

  test("client edit newer and fields disjoint → MERGE", () => {
    expect(suggestResolution({ serverModifiedAt: earlier, clientTimestamp: later, conflictingFields: [], mergeable: true, policy })).toBe("MERGE");
  });

  test("same field, client newer → the configured preference", () => {
    const input = { serverModifiedAt: earlier, clientTimestamp: later, conflictingFields: ["name"], mergeable: true };
    expect(suggestResolution({ ...input, policy })).toBe("CLIENT_WINS");
    expect(suggestResolution({ ...input, policy: { preference: "SERVER_WINS" } })).toBe("SERVER_WINS");
  });

  test("a delete on either side cannot merge", () => {
    expect(suggestResolution({ serverModifiedAt: earlier, clientTimestamp: later, conflictingFields: [], mergeable: false, policy })).toBe("CLIENT_WINS");
  });
});
