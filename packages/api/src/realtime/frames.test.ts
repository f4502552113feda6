// Frames of one nudge per scope, without a database: each scope gets the range's changes in it,
// a token for its own entity types, and a nudge that cannot say where tasks' assets sit gives a
// location-scoped device no data.
import type { ServerChange, SyncEvent } from "@fieldsync/schema";
import { scopeReferenceKey } from "@fieldsync/sync-core";
import { expect, test } from "vitest";
import { decodeToken } from "../sync/cursor.ts";
import { scopedTypes } from "../sync/scope.ts";
import { frameOf, frameScope } from "./frames.ts";
import type { ChangeNudge } from "./notifier.ts";

const secret = "frames-test-secret-0123456789abcdef";
const change = (entityType: ServerChange["entityType"], entityId: string, payload: Record<string, unknown>): ServerChange => ({
  entityType,
  entityId,
  operation: "CREATE",
  payload,
  clientVersion: 1,
  timestamp: "2026-12-01T00:00:00.000Z",
  checksum: null,
});
const changes = [change("asset", "a1", { name: "Pump", location: "Basement" }), change("task", "t1", { title: "Oil", assetId: "a1" }), change("asset", "a2", { name: "Fan", location: "Roof" })];
const nudge = (references?: Record<string, unknown>): ChangeNudge => ({
  orgId: "org-1",
  position: "12",
  at: "2026-12-01T00:00:00.000Z",
  range: { from: "10.0", to: "12.2", changes },
  ...(references && { references }),
});
const data = (frame: Buffer) => JSON.parse(/^data: (.*)$/m.exec(frame.toString())![1]!) as SyncEvent;
const ids = (event: SyncEvent) => event.range?.changes?.map((c) => c.entityId);

test("each scope gets its changes and a token for its types; plain frames carry the range's ends only", () => {
  const event = nudge({ [scopeReferenceKey("asset", "a1")]: "Basement" });
  const basement = frameScope({ locations: ["Basement"] });
  const tasks = frameScope({ entityTypes: ["task"] });
  const all = frameScope(null);
  expect(ids(data(frameOf(event, "preview", all, secret)))).toEqual(["a1", "t1", "a2"]);
  expect(ids(data(frameOf(event, "preview", basement, secret)))).toEqual(["a1", "t1"]);
  const forTasks = data(frameOf(event, "preview", tasks, secret));
  expect(ids(forTasks)).toEqual(["t1"]);
  expect(forTasks.scope).toBe(tasks.key);
  // The token is the one a pull of those types would hand out, at the range's end.
  expect(decodeToken(secret, "org-1", scopedTypes({ entityTypes: ["task"] }), forTasks.range!.syncToken!).cursor).toMatchObject({ mode: "log", txid: "12", seq: "2" });
  expect(data(frameOf(event, "plain", basement, secret)).range).toEqual({ from: "10.0", to: "12.2" });
});

test("a nudge without references gives a location-scoped device no data, and others theirs", () => {
  const event = nudge();
  expect(data(frameOf(event, "preview", frameScope({ locations: ["Basement"] }), secret)).range).toEqual({ from: "10.0", to: "12.2" });
  expect(ids(data(frameOf(event, "preview", frameScope({ entityTypes: ["asset"] }), secret)))).toEqual(["a1", "a2"]);
});
