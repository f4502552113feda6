import type { EntityData, SyncOperation } from "@fieldsync/schema";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { OutboxEntry } from "./replica.ts";
import { collapse, effectivePatch, queueEdit } from "./replica-collapse.ts";
import { project } from "./replica-project.ts";
import { MemoryReplica, createPayload, patch } from "./test-support/replica-model.ts";

const entry = (patch: Partial<OutboxEntry>): OutboxEntry => ({
  seq: 1,
  changeId: "c1",
  entityType: "asset",
  entityId: "e1",
  operation: "UPDATE",
  payload: { name: "a" },
  baseVersion: 4,
  timestamp: "2026-01-01T00:00:00.000Z",
  status: "pending",
  attempts: 0,
  conflictId: null,
  error: null,
  ...patch,
});

const later = "2026-01-01T00:05:00.000Z";

test("two updates become one, keeping the first base version and changeId", () => {
  const outcome = collapse(entry({}), "UPDATE", { location: "b" }, later);
  expect(outcome).toEqual({ kind: "replace", entry: entry({ payload: { name: "a", location: "b" }, timestamp: later }) });
});

test("an update folds into an unsent create", () => {
  const outcome = collapse(entry({ operation: "CREATE", baseVersion: 0 }), "UPDATE", { name: "b" }, later);
  expect(outcome.kind === "replace" && outcome.entry).toMatchObject({ operation: "CREATE", payload: { name: "b" }, baseVersion: 0 });
});

test("delete after an unsent update keeps the update's base", () => {
  const outcome = collapse(entry({}), "DELETE", {}, later);
  expect(outcome.kind === "replace" && outcome.entry).toMatchObject({ operation: "DELETE", payload: {}, baseVersion: 4, changeId: "c1" });
});

test("delete after an unsent create cancels both", () => {
  expect(collapse(entry({ operation: "CREATE", baseVersion: 0 }), "DELETE", {}, later)).toEqual({ kind: "drop" });
});

test("a change already sent once, or waiting on a conflict, is never rewritten", () => {
  expect(collapse(entry({ attempts: 1 }), "UPDATE", { name: "b" }, later)).toEqual({ kind: "append" });
  expect(collapse(entry({ status: "conflict", conflictId: "x" }), "UPDATE", { name: "b" }, later)).toEqual({ kind: "append" });
  expect(collapse(undefined, "UPDATE", { name: "b" }, later)).toEqual({ kind: "append" });
});

test("edits after a queued delete are refused", () => {
  expect(() => collapse(entry({ operation: "DELETE", payload: {} }), "UPDATE", { name: "b" }, later)).toThrow(/already deleted/);
});

const serverAsset = { name: "Pump", serialNumber: null, location: "Hall 1", notes: null, status: "OPERATIONAL" };
const id = "00000000-0000-4000-8000-0000000000aa";
const action = fc.oneof(
  fc.record({ kind: fc.constant("CREATE" as const), payload: createPayload }),
  fc.record({ kind: fc.constant("UPDATE" as const), payload: patch }),
  fc.record({ kind: fc.constant("DELETE" as const), payload: fc.constant({}) }),
  fc.record({ kind: fc.constant("send" as const), payload: fc.constant({}) }),
);

/** One entity's edits through queueEdit, beside the same edits never collapsed. */
function run(onServer: boolean, actions: readonly { kind: SyncOperation | "send"; payload: EntityData }[]) {
  const replica = new MemoryReplica();
  if (onServer) replica.applyChanges([{ entityType: "asset", entityId: id, operation: "CREATE", payload: serverAsset, clientVersion: 1, timestamp: later, checksum: null }]);
  const uncollapsed: { operation: SyncOperation; payload: EntityData }[] = [];
  for (const { kind, payload } of actions) {
    // Sent but not yet answered: frozen under their changeIds.
    if (kind === "send") replica.outbox = replica.outbox.map((e) => ({ ...e, attempts: e.attempts + 1 }));
    else if (replica.edit("asset", id, kind, payload)) uncollapsed.push({ operation: kind, payload });
  }
  return { replica, uncollapsed, serverData: onServer ? serverAsset : null };
}

describe("collapse laws", () => {
  test("collapsing changes nothing the user sees: project(collapsed) = project(uncollapsed)", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { maxLength: 12 }), (onServer, actions) => {
        const { replica, uncollapsed, serverData } = run(onServer, actions);
        const seen = project("asset", serverData, uncollapsed);
        expect(project("asset", serverData, replica.queueOf("asset", id))).toEqual(seen);
        expect(replica.rows.get(`asset:${id}`)?.data ?? null).toEqual(seen);
      }),
    );
  });

  test("is idempotent: a collapsed queue holds at most one unsent change, the last, and collapsing it again is a no-op", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { maxLength: 12 }), (onServer, actions) => {
        const queue = run(onServer, actions).replica.queueOf("asset", id);
        const unsent = queue.filter((e) => e.attempts === 0);
        expect(unsent.length).toBeLessThanOrEqual(1);
        if (unsent.length === 1) expect(queue.at(-1)).toBe(unsent[0]);
        for (let i = 1; i < queue.length; i++) {
          const next = queue[i]!;
          expect(collapse(queue[i - 1], next.operation, next.payload, next.timestamp)).toEqual({ kind: "append" });
        }
      }),
    );
  });

  test("the order of edits to unrelated entities does not matter", () => {
    const ids = ["00000000-0000-4000-8000-0000000000b1", "00000000-0000-4000-8000-0000000000b2"];
    const edit = fc.record({ on: fc.constantFrom(0, 1), operation: fc.constantFrom<SyncOperation>("CREATE", "UPDATE", "DELETE"), payload: createPayload });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 12 }), fc.func(fc.boolean()), (edits, pick) => {
        const inOrder = new MemoryReplica();
        for (const e of edits) inOrder.edit("asset", ids[e.on]!, e.operation, e.payload);
        // Same per-entity order, interleaved differently: each entity's edits first or last.
        const shuffled = new MemoryReplica();
        const first = pick(0) ? 0 : 1;
        for (const e of [...edits.filter((x) => x.on === first), ...edits.filter((x) => x.on !== first)]) shuffled.edit("asset", ids[e.on]!, e.operation, e.payload);
        const strip = (r: MemoryReplica, entity: string) => r.queueOf("asset", entity).map(({ operation, payload, baseVersion }) => ({ operation, payload, baseVersion }));
        for (const entity of ids) {
          expect(strip(shuffled, entity)).toEqual(strip(inOrder, entity));
          expect(shuffled.rows.get(`asset:${entity}`)?.data).toEqual(inOrder.rows.get(`asset:${entity}`)?.data);
        }
      }),
    );
  });
});

describe("queueEdit", () => {
  test("refuses edits that do not fit the entity: create of an existing one, update of a missing one", () => {
    const edit = { type: "asset" as const, id, payload: { name: "x" }, timestamp: later, changeId: "c9" };
    expect(() => queueEdit({ data: serverAsset, serverData: serverAsset, version: 1 }, [], { ...edit, operation: "CREATE" })).toThrow(/already exists/);
    expect(() => queueEdit(undefined, [], { ...edit, operation: "UPDATE" })).toThrow(/does not exist/);
    expect(() => queueEdit({ data: null, serverData: null, version: 2 }, [], { ...edit, operation: "DELETE" })).toThrow(/does not exist/);
  });

  test("a new entry is based on the version shown (0 for a create)", () => {
    const edit = { type: "asset" as const, id, payload: { name: "x" }, timestamp: later, changeId: "c9" };
    expect(queueEdit({ data: serverAsset, serverData: serverAsset, version: 7 }, [], { ...edit, operation: "UPDATE" }).write).toMatchObject({ kind: "add", entry: { baseVersion: 7, changeId: "c9" } });
    expect(queueEdit(undefined, [], { ...edit, operation: "CREATE" }).write).toMatchObject({ kind: "add", entry: { baseVersion: 0 } });
  });

  test("an unsent update edited back to the server's copy cancels out (an undo): nothing left to push", () => {
    const replica = run(true, []).replica;
    replica.edit("asset", id, "UPDATE", { status: "RETIRED", location: "Hall 2" });
    replica.edit("asset", id, "UPDATE", { status: "OPERATIONAL" });
    expect(replica.queueOf("asset", id)).toHaveLength(1);
    replica.edit("asset", id, "UPDATE", { location: "Hall 1" });
    expect(replica.queueOf("asset", id)).toEqual([]);
    expect(replica.rows.get(`asset:${id}`)).toMatchObject({ data: serverAsset, pending: 0 });
  });

  test("an undo after the change was sent is a change of its own", () => {
    const { replica } = run(true, [{ kind: "UPDATE", payload: { location: "Hall 2" } }, { kind: "send", payload: {} }]);
    replica.edit("asset", id, "UPDATE", { location: "Hall 1" });
    expect(replica.queueOf("asset", id).map((entry) => entry.payload)).toEqual([{ location: "Hall 2" }, { location: "Hall 1" }]);
  });

  test("a change based on an older server copy than the one shown is kept even when it now matches it", () => {
    const queued = entry({ payload: { location: "Hall 2" }, baseVersion: 1 });
    const edit = { type: "asset" as const, id, operation: "UPDATE" as const, payload: { location: "Hall 1" }, timestamp: later, changeId: "c9" };
    const { write } = queueEdit({ data: { ...serverAsset, location: "Hall 2" }, serverData: serverAsset, version: 2 }, [queued], edit);
    expect(write).toMatchObject({ kind: "put", entry: { payload: { location: "Hall 1" } } });
    expect(queueEdit({ data: { ...serverAsset, location: "Hall 2" }, serverData: serverAsset, version: 1 }, [entry({ payload: { location: "Hall 2" }, baseVersion: 1 })], edit).write).toEqual({ kind: "delete", seq: 1 });
  });

  test("effectivePatch keeps only fields whose value changes (absent counts as null)", () => {
    expect(effectivePatch({ name: "a", notes: null }, { name: "a", notes: null, location: null, status: "X" })).toEqual({ status: "X" });
  });
});
