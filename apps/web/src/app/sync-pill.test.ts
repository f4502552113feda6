import { expect, test } from "vitest";
import { syncPillText } from "./sync-pill.ts";

test("the top bar says synced only after a finished sync", () => {
  expect(syncPillText(undefined, 0)).toBe("no sync yet");
  expect(syncPillText({ phase: "idle", lastSyncAt: null }, 0)).toBe("no sync yet");
  expect(syncPillText({ phase: "syncing", lastSyncAt: null }, 0)).toBe("syncing");
  expect(syncPillText({ phase: "idle", lastSyncAt: "2026-11-30T10:00:00.000Z" }, 0)).toBe("synced");
  expect(syncPillText({ phase: "busy", lastSyncAt: "2026-11-30T10:00:00.000Z" }, 0)).toBe("server busy");
  expect(syncPillText({ phase: "idle", lastSyncAt: "2026-11-30T10:00:00.000Z" }, 3)).toBe("3 pending");
});

test("a build the server refuses as too old says so, ahead of what it holds", () => {
  expect(syncPillText({ phase: "updateNeeded", lastSyncAt: "2026-11-30T10:00:00.000Z" }, 3)).toBe("update needed");
});
