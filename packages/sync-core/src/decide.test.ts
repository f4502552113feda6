import { type ConflictPolicy, type EntityData, type SyncChange, defaultConflictPolicy, toEntityData } from "@fieldsync/schema";
import { describe, expect, test } from "vitest";
import { canonicalJson } from "./canonical.ts";
import { type DecideContext, type EntityState, decide, missingState } from "./decide.ts";

const now = new Date("2026-11-30T12:00:00.000Z");
const checksum = (data: EntityData) => `sum(${canonicalJson(data)})`;
const context = (exists: (type: string, id: string) => boolean = () => true, users: readonly string[] = ["u-tara"]): DecideContext => {
  let n = 0;
  return { now, newId: () => `id-${++n}`, checksum, exists, isUser: (id) => users.includes(id) };
};

const pump = toEntityData("asset", { name: "Pump", location: "B1" });
const live = (version: number, data: EntityData = pump): EntityState => ({
  type: "asset", id: "a1", version, deleted: false, lastModifiedAt: new Date("2026-11-30T10:00:00.000Z"), checksum: checksum(data), data,
});
const tombstone: EntityState = { ...missingState("asset", "a1"), version: 3, deleted: true };
const never = missingState("asset", "a1");

const change = (operation: SyncChange["operation"], clientVersion: number, payload: Record<string, unknown> = {}) =>
  ({ entityType: "asset", entityId: "a1", operation, clientVersion, payload, timestamp: "2026-11-30T11:00:00.000Z" }) as SyncChange;
const pushed = (c: SyncChange, payloadChecksum = "ok") => ({ change: c, payloadChecksum });
const run = (c: SyncChange, state: EntityState, base: EntityData | null = null, policy: ConflictPolicy = defaultConflictPolicy) =>
  decide(pushed(c), state, base, policy, context());
const summary = (c: SyncChange, state: EntityState, base: EntityData | null = null) => {
  const { outcome, write, conflict } = run(c, state, base);
  return [outcome.status === "rejected" ? outcome.code : outcome.status, write?.operation ?? null, conflict?.resolution ?? null];
};

describe("decide: the decision table", () => {
  test.each([
    // operation, state, clientVersion → outcome, write, conflict record
    ["CREATE", never, 0, ["applied", "CREATE", null]],
    ["CREATE", tombstone, 0, ["ENTITY_DELETED", null, null]],
    ["UPDATE", never, 0, ["ENTITY_NOT_FOUND", null, null]],
    ["UPDATE", live(2), 3, ["VERSION_AHEAD", null, null]],
    ["UPDATE", live(2), 2, ["applied", "UPDATE", null]],
    ["UPDATE", tombstone, 2, ["conflict", null, "MANUAL"]],
    ["DELETE", never, 0, ["ENTITY_NOT_FOUND", null, null]],
    ["DELETE", tombstone, 1, ["applied", null, null]],
    ["DELETE", live(2), 3, ["VERSION_AHEAD", null, null]],
    ["DELETE", live(2), 1, ["conflict", null, "MANUAL"]],
    ["DELETE", live(2), 2, ["applied", "DELETE", null]],
  ] as const)("%s on %o at clientVersion %i", (operation, state, clientVersion, expected) => {
    const payload = operation === "CREATE" ? { name: "Pump" } : operation === "UPDATE" ? { notes: "x" } : {};
    expect(summary(change(operation, clientVersion, payload), state)).toEqual(expected);
  });

  test("a checksum that does not match the payload is rejected before anything else", () => {
    const c = { ...change("UPDATE", 2, { notes: "x" }), checksum: "f".repeat(64) };
    expect(decide(pushed(c, "0".repeat(64)), live(2), null, defaultConflictPolicy, context()).outcome).toMatchObject({ code: "CHECKSUM_MISMATCH" });
  });

  test("CREATE of an entity that exists: the same data is applied again, other data conflicts", () => {
    expect(run(change("CREATE", 0, { name: "Pump", location: "B1" }), live(4)).outcome).toEqual({
      status: "applied", version: 4, checksum: checksum(pump), mergedConflictId: null,
    });
    const other = run(change("CREATE", 0, { name: "Valve", location: "B1" }), live(4));
    expect(other.outcome).toEqual({ status: "conflict", conflictId: "id-1", serverVersion: 4 });
    expect(other.conflict).toMatchObject({ conflictingFields: ["name"], baseData: null, serverData: pump });
  });

  test("a write moves the entity one version up, with its checksum and the write's data", () => {
    const { outcome, write } = run(change("UPDATE", 2, { notes: "leaks" }), live(2));
    const data = { ...pump, notes: "leaks" };
    expect(write).toEqual({ type: "asset", id: "a1", operation: "UPDATE", data: { notes: "leaks" }, next: { ...live(3, data), lastModifiedAt: now } });
    expect(outcome).toEqual({ status: "applied", version: 3, checksum: checksum(data), mergedConflictId: null });
  });

  test("a reference to an entity that does not exist is rejected REFERENCE_NOT_FOUND", () => {
    const task = { entityType: "task", entityId: "t1", operation: "CREATE", clientVersion: 0, payload: { assetId: "gone", title: "Fix" }, timestamp: now.toISOString() } as SyncChange;
    const decision = decide(pushed(task), missingState("task", "t1"), null, defaultConflictPolicy, context((type, id) => !(type === "asset" && id === "gone")));
    expect(decision.outcome).toMatchObject({ status: "rejected", code: "REFERENCE_NOT_FOUND", message: "Referenced entity not found: assetId" });
    expect(decision.write).toBeNull();
  });

  describe("a task's assignee must be a user of the organization", () => {
    const fix = toEntityData("task", { assetId: "a1", title: "Fix" });
    const liveTask = (version: number, data: EntityData = fix): EntityState => ({ ...live(version, data), type: "task", id: "t1" });
    const taskChange = (operation: SyncChange["operation"], clientVersion: number, payload: Record<string, unknown>) =>
      ({ ...change(operation, clientVersion, payload), entityType: "task", entityId: "t1" }) as SyncChange;
    const decideTask = (c: SyncChange, state: EntityState, base: EntityData | null = null) => decide(pushed(c), state, base, defaultConflictPolicy, context());

    test("CREATE or UPDATE naming another user (another organization's, or none) is rejected USER_NOT_FOUND and writes nothing", () => {
      const created = decideTask(taskChange("CREATE", 0, { assetId: "a1", title: "Fix", assigneeId: "u-globex" }), missingState("task", "t1"));
      expect(created.outcome).toEqual({ status: "rejected", code: "USER_NOT_FOUND", message: "No user of this organization: assigneeId" });
      expect(created.write).toBeNull();
      const updated = decideTask(taskChange("UPDATE", 2, { assigneeId: "u-gone" }), liveTask(2));
      expect(updated.outcome).toMatchObject({ status: "rejected", code: "USER_NOT_FOUND" });
      expect(updated.write).toBeNull();
    });

    test("a user of the organization, or nobody, is assigned", () => {
      expect(decideTask(taskChange("CREATE", 0, { assetId: "a1", title: "Fix", assigneeId: "u-tara" }), missingState("task", "t1")).outcome.status).toBe("applied");
      expect(decideTask(taskChange("UPDATE", 2, { assigneeId: null }), liveTask(2)).outcome.status).toBe("applied");
      // An edit of other fields leaves an assignee who has since left alone.
      expect(decideTask(taskChange("UPDATE", 2, { notes: "oil" }), liveTask(2, { ...fix, assigneeId: "u-left" })).outcome.status).toBe("applied");
    });

    test("a stale edit or a CREATE of an existing task naming another user is rejected, neither merged nor a conflict to resolve", () => {
      const decisions = [
        decideTask(taskChange("UPDATE", 1, { assigneeId: "u-globex" }), liveTask(2, { ...fix, notes: "server" }), fix),
        decideTask(taskChange("UPDATE", 1, { assigneeId: "u-globex", notes: "mine" }), liveTask(2, { ...fix, notes: "server" }), fix),
        decideTask(taskChange("CREATE", 0, { assetId: "a1", title: "Other", assigneeId: "u-globex" }), liveTask(1)),
      ];
      for (const decision of decisions) {
        expect(decision.outcome).toMatchObject({ status: "rejected", code: "USER_NOT_FOUND" });
        expect([decision.write, decision.conflict]).toEqual([null, null]);
      }
    });
  });

  describe("stale UPDATE", () => {
    const base = pump;
    const server = live(3, { ...pump, location: "B2" });

    test("disjoint edits merge: written as an UPDATE, recorded as a MERGE by system, returned to the device", () => {
      const decision = run(change("UPDATE", 2, { notes: "leaks" }), server, base);
      const merged = { ...pump, location: "B2", notes: "leaks" };
      expect(decision.outcome).toEqual({ status: "applied", version: 4, checksum: checksum(merged), mergedConflictId: "id-1" });
      expect(decision.write).toMatchObject({ operation: "UPDATE", data: merged });
      expect(decision.conflict).toMatchObject({ resolution: "MERGE", resolvedBy: "system", resolvedAt: now, conflictingFields: [], baseData: base });
      expect(decision.merged).toMatchObject({ operation: "UPDATE", clientVersion: 4, payload: merged });
    });

    test("an edit the server already holds merges without a write, and the device gets the server's entity it does not hold", () => {
      // The device's base is version 2: answered "applied at 3", it must hold version 3's data, or a
      // later pull of version 3 (not newer than what it holds) would leave it with its own.
      const ahead = live(3, { ...pump, location: "B2", notes: "leaks" });
      const decision = run(change("UPDATE", 2, { location: "B2" }), ahead, base);
      expect(decision.outcome).toEqual({ status: "applied", version: 3, checksum: checksum(ahead.data!), mergedConflictId: "id-1" });
      expect(decision.write).toBeNull();
      expect(decision.merged).toMatchObject({ operation: "UPDATE", clientVersion: 3, payload: ahead.data });
    });

    test("edits of the same field conflict, and so does any stale edit without auto-merge or without a known base", () => {
      expect(run(change("UPDATE", 2, { location: "B3" }), server, base).conflict).toMatchObject({ resolution: "MANUAL", conflictingFields: ["location"] });
      expect(run(change("UPDATE", 2, { notes: "x" }), server, base, { ...defaultConflictPolicy, autoMergeDisjoint: false }).outcome.status).toBe("conflict");
      expect(run(change("UPDATE", 2, { notes: "x" }), server, null).conflict).toMatchObject({ conflictingFields: ["notes"], baseData: null });
    });
  });
});
