import { type EntityData, type EntityType, type SyncChange, toEntityData } from "@fieldsync/schema";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { canonicalJson } from "./canonical.ts";
import { type BatchDecision, type BatchInput, decideBatch } from "./decide-batch.ts";
import { type EntityState, type PushedChange, missingState, versionKey } from "./decide.ts";
import { entityKey } from "./entity-key.ts";

const now = new Date("2026-11-30T12:00:00.000Z");
const checksum = (data: EntityData) => `sum(${canonicalJson(data)})`;
const counter = () => {
  let n = 0;
  return () => `id-${++n}`;
};

const stateOf = (type: EntityType, id: string, version: number, data: EntityData | null): EntityState =>
  data
    ? { type, id, version, deleted: false, lastModifiedAt: new Date("2026-11-30T10:00:00.000Z"), checksum: checksum(data), data }
    : { ...missingState(type, id), version, deleted: version > 0 };
const asset = (name: string) => toEntityData("asset", { name });
const task = (assetId: string, title = "Fix") => toEntityData("task", { assetId, title });

const change = (entityType: EntityType, entityId: string, operation: SyncChange["operation"], clientVersion: number, payload: EntityData = {}): PushedChange => ({
  change: { entityType, entityId, operation, clientVersion, payload, timestamp: "2026-11-30T11:00:00.000Z" } as SyncChange,
  payloadChecksum: "",
});

const batch = (changes: PushedChange[], states: EntityState[], bases = new Map<string, EntityData>()): BatchDecision =>
  decideBatch({ changes, states: new Map(states.map((s) => [entityKey(s.type, s.id), s])), bases, users: new Set(), policies: {}, now, newId: counter(), checksum });

const outcomes = (result: BatchDecision) => result.decisions.map((d) => (d.outcome.status === "rejected" ? d.outcome.code : `${d.outcome.status}`));

describe("decideBatch", () => {
  test("repeated edits of one entity: each on the version before, written in successive rounds", () => {
    const result = batch(
      [change("asset", "a1", "CREATE", 0, { name: "Pump" }), change("asset", "a1", "UPDATE", 1, { notes: "x" }), change("asset", "a1", "UPDATE", 2, { notes: "y" })],
      [missingState("asset", "a1")],
    );
    expect(result.decisions.map((d) => d.outcome)).toMatchObject([{ version: 1 }, { version: 2 }, { version: 3 }]);
    expect(result.writes.map((w) => [w.operation, w.round])).toEqual([["CREATE", 1], ["UPDATE", 2], ["UPDATE", 3]]);
    // The preview names the last applied change's operation (as the pull of its log row would).
    expect(result.live).toEqual([expect.objectContaining({ operation: "UPDATE", clientVersion: 3, payload: { ...asset("Pump"), notes: "y" } })]);
  });

  test("a stale edit based on a version written earlier in the batch merges against it", () => {
    const result = batch(
      [change("asset", "a1", "UPDATE", 1, { location: "B2" }), change("asset", "a1", "UPDATE", 1, { notes: "x" })],
      [stateOf("asset", "a1", 1, asset("Pump"))],
    );
    expect(result.decisions[1]!.outcome).toMatchObject({ status: "applied", version: 3, mergedConflictId: "id-1" });
    expect(result.records).toHaveLength(1);
    expect(result.merged).toEqual([expect.objectContaining({ clientVersion: 3, payload: { ...asset("Pump"), location: "B2", notes: "x" } })]);
  });

  test("references to entities created earlier in the batch hold; to missing or deleted ones they do not", () => {
    const result = batch(
      [
        change("asset", "a1", "CREATE", 0, { name: "Pump" }),
        change("task", "t1", "CREATE", 0, { assetId: "a1", title: "Fix" }),
        change("task", "t2", "CREATE", 0, { assetId: "a2", title: "Fix" }),
      ],
      [missingState("asset", "a1"), missingState("task", "t1"), missingState("task", "t2"), missingState("asset", "a2")],
    );
    expect(outcomes(result)).toEqual(["applied", "applied", "REFERENCE_NOT_FOUND"]);
    expect(result.writes.map((w) => [w.type, w.round])).toEqual([["asset", 1], ["task", 1]]);
  });

  test("a delete cascades to the loaded dependents, after their writes; later changes see them deleted", () => {
    const result = batch(
      [
        change("task", "t1", "UPDATE", 1, { title: "A" }),
        change("task", "t1", "UPDATE", 2, { title: "B" }),
        change("asset", "a1", "DELETE", 1),
        change("task", "t1", "UPDATE", 4, { title: "C" }),
        change("task", "t2", "CREATE", 0, { assetId: "a1", title: "Fix" }),
      ],
      [stateOf("asset", "a1", 1, asset("Pump")), stateOf("task", "t1", 1, task("a1")), missingState("task", "t2")],
    );
    expect(outcomes(result)).toEqual(["applied", "applied", "applied", "conflict", "REFERENCE_NOT_FOUND"]);
    expect(result.states.get("task:t1")).toMatchObject({ version: 4, deleted: true, data: null });
    expect(result.writes.map((w) => [w.type, w.operation, w.round])).toEqual([["task", "UPDATE", 1], ["task", "UPDATE", 2], ["asset", "DELETE", 2]]);
  });
});

// Property: deciding a batch at once gives what deciding it change by change gives, each step
// starting from the states the previous one left and the versions it wrote.
const ids = { asset: ["a1", "a2"], task: ["t1", "t2"] } as const;
const text = fc.constantFrom("x", "y", "z");
const payloadFor = (type: "asset" | "task", operation: SyncChange["operation"]) => {
  if (operation === "DELETE") return fc.constant({});
  const fields: Record<string, fc.Arbitrary<string>> = type === "asset" ? { name: text, notes: text } : { assetId: fc.constantFrom(...ids.asset), title: text };
  return operation === "CREATE" ? fc.record(fields) : fc.record(fields, { requiredKeys: [] }).filter((p) => Object.keys(p).length > 0);
};
const arbitraryChange = fc
  .tuple(fc.constantFrom("asset" as const, "task" as const), fc.constantFrom("CREATE", "UPDATE", "DELETE") as fc.Arbitrary<SyncChange["operation"]>)
  .chain(([type, operation]) =>
    fc.tuple(fc.constantFrom(...ids[type]), fc.integer({ min: 0, max: 4 }), payloadFor(type, operation)).map(([id, version, payload]) => change(type, id, operation, version, payload)),
  );
const arbitraryState = (type: "asset" | "task", id: string) =>
  fc.oneof(
    fc.constant(missingState(type, id)),
    fc.constant(stateOf(type, id, 2, null)),
    fc.tuple(fc.integer({ min: 1, max: 3 }), text, fc.constantFrom(...ids.asset)).map(([version, name, assetId]) =>
      stateOf(type, id, version, type === "asset" ? asset(name) : task(assetId, name)),
    ),
  );
const arbitraryStates = fc.tuple(...[...ids.asset.map((id) => arbitraryState("asset", id)), ...ids.task.map((id) => arbitraryState("task", id))]);

describe("decideBatch properties", () => {
  test("at once or change by change: the same outcomes, writes, records and final states", () => {
    fc.assert(
      fc.property(arbitraryStates, fc.array(arbitraryChange, { maxLength: 8 }), (initial, changes) => {
        // Tasks referencing a missing asset cannot exist (the foreign key): drop them.
        const live = new Set(initial.filter((s) => s.type === "asset" && s.data).map((s) => s.id));
        const states = initial.map((s) => (s.type === "task" && s.data && !live.has(s.data.assetId as string) ? missingState("task", s.id) : s));
        const bases = new Map<string, EntityData>(states.filter((s) => s.data).map((s) => [versionKey(s.type, s.id, s.version - 1), { ...s.data!, notes: "base" }]));
        const input: BatchInput = { changes, states: new Map(states.map((s) => [entityKey(s.type, s.id), s])), bases, users: new Set(), policies: {}, now, newId: counter(), checksum };
        const whole = decideBatch(input);

        const newId = counter();
        let step: BatchDecision | null = null;
        // What the change log holds: the bases, the loaded versions, then each version written.
        const stepBases = new Map([...bases, ...states.filter((s) => s.data).map((s) => [versionKey(s.type, s.id, s.version), s.data!] as const)]);
        const decisions = [];
        const writes = [];
        for (const one of changes) {
          step = decideBatch({ ...input, changes: [one], states: step?.states ?? input.states, bases: stepBases, newId });
          decisions.push(...step.decisions);
          writes.push(...step.writes.map(({ round: _, ...w }) => w));
          for (const w of step.writes) if (w.next.data) stepBases.set(versionKey(w.type, w.id, w.next.version), w.next.data);
        }
        expect(whole.decisions).toEqual(decisions);
        expect(whole.writes.map(({ round: _, ...w }) => w).sort(byKey)).toEqual(writes.sort(byKey));
        expect(whole.states).toEqual(step?.states ?? input.states);
      }),
    );
  });

  test("flush order keeps each entity's writes in order and puts no delete before its cascaded dependents' writes", () => {
    fc.assert(
      fc.property(fc.array(arbitraryChange, { maxLength: 10 }), (changes) => {
        const states = [stateOf("asset", "a1", 1, asset("P")), stateOf("task", "t1", 1, task("a1")), missingState("asset", "a2"), missingState("task", "t2")];
        const result = batch(changes, states);
        const seen = new Map<string, number>();
        for (const w of result.writes) {
          const key = entityKey(w.type, w.id);
          expect(w.next.version).toBeGreaterThan(seen.get(key) ?? 0);
          seen.set(key, w.next.version);
        }
        const position = (type: string, id: string) => result.writes.findIndex((w) => w.type === type && w.id === id && w.operation === "DELETE");
        const assetDelete = position("asset", "a1");
        if (assetDelete >= 0) expect(result.writes.slice(assetDelete).some((w) => w.type === "task" && w.id === "t1")).toBe(false);
      }),
    );
  });
});

const byKey = (a: { type: string; id: string; next: { version: number } }, b: typeof a) =>
  `${a.type}:${a.id}:${a.next.version}`.localeCompare(`${b.type}:${b.id}:${b.next.version}`);
