import type { EntityData, SyncOperation } from "@fieldsync/schema";
import fc from "fast-check";
import { expect, test } from "vitest";

import { MemoryReplica, MemoryServer, createPayload, newId, patch } from "./test-support/replica-model.ts";
import { entityKey } from "./entity-key.ts";

type Step =
  | { kind: "edit"; by: "device" | "elsewhere"; operation: SyncOperation; target: number; payload: EntityData }
  | { kind: "push"; limit: number; answerLost: boolean }
  | { kind: "pull" };

const edit = (operation: SyncOperation, payload: fc.Arbitrary<EntityData>) =>
  fc.record({ kind: fc.constant("edit" as const), by: fc.constantFrom("device" as const, "elsewhere" as const), operation: fc.constant(operation), target: fc.nat(), payload });
const step: fc.Arbitrary<Step> = fc.oneof(
  edit("CREATE", createPayload),
  edit("UPDATE", patch),
  edit("UPDATE", patch),
  edit("DELETE", fc.constant({})),
  fc.record({ kind: fc.constant("push" as const), limit: fc.integer({ min: 1, max: 3 }), answerLost: fc.boolean() }),
  fc.record({ kind: fc.constant("pull" as const) }),
);

function perform(server: MemoryServer, device: MemoryReplica, s: Step) {
  if (s.kind === "pull") {
    device.applyChanges(server.changesSince(device.cursor));
    device.cursor = server.log.length;
  } else if (s.kind === "push") {
    const batch = device.claim(s.limit);
    const answer = server.push(batch, device.cursor);
    if (!s.answerLost) device.applyPush(batch, answer);
  } else if (s.by === "elsewhere") {
    const live = [...server.rows.values()].filter((row) => row.data !== null);
    const target = live[s.target % Math.max(live.length, 1)];
    if (s.operation === "CREATE") server.write("asset", newId(), "CREATE", s.payload);
    else if (target) server.write("asset", target.id, s.operation, s.payload);
  } else {
    const live = [...device.rows.values()].filter((row) => row.data !== null);
    const target = live[s.target % Math.max(live.length, 1)];
    if (s.operation === "CREATE") device.edit("asset", newId(), "CREATE", s.payload);
    else if (target) device.edit("asset", target.id, s.operation, s.payload);
  }
}

test("after the outbox drains, the replica equals the server (lost answers, edits elsewhere, any interleaving)", () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const server = new MemoryServer();
      const device = new MemoryReplica();
      for (const s of steps) perform(server, device, s);
      // Drain: the user discards what the server refused; every answer arrives.
      for (let round = 0; device.outbox.length > 0; round++) {
        expect(round).toBeLessThan(100);
        device.discardFailed();
        perform(server, device, { kind: "push", limit: 3, answerLost: false });
      }
      perform(server, device, { kind: "pull" });
      const shown = new Map([...device.rows].map(([key, row]) => [key, { data: row.data, version: row.version, pending: row.pending }]));
      const held = new Map([...server.rows.values()].map((row) => [entityKey(row.type, row.id), { data: row.data, version: row.version, pending: 0 }]));
      expect(shown).toEqual(held);
    }),
    { numRuns: 300 },
  );
});
