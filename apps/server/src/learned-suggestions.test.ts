import { randomUUID } from "node:crypto";
import type { Conflict } from "@fieldsync/schema";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import type { UserName } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

/**
 * A technician's offline edit of an asset's serial number and location, pushed after someone else's
 * edit of both: a conflict on the two fields where the device's edit is newer (the rule: keep it).
 */
async function conflictOn(devices: { user: UserName; other: UserName } = { user: "tech1", other: "tech2" }): Promise<Conflict> {
  const id = randomUUID();
  await api.push(devices.user, "phone-a", [create(id, { name: "Pump", serialNumber: "S-0", location: "L0" })]);
  await api.push(devices.other, "tablet-b", [update(id, 1, { serialNumber: "S-office", location: "Office" })]);
  const response = await api.push(devices.user, "phone-a", [update(id, 1, { serialNumber: "S-site", location: "Roof" })]);
  expect(response.conflicts).toHaveLength(1);
  return response.conflicts[0]!;
}

const resolve = (conflict: Conflict, body: Record<string, unknown>) =>
  api.call("admin", "POST", "/api/sync/conflicts/resolve", { conflictId: conflict.id, ...body });
const suggestionOn = (conflict: Conflict, field: string) => conflict.fieldSuggestions.find((s) => s.field === field);

describe("suggestions learned from the organization's resolutions", () => {
  test("thin history gives the rule's answer; after five people kept the saved serial number, the organization's new conflicts suggest it", async () => {
    const first = await conflictOn();
    expect(first.suggestedResolution).toBe("CLIENT_WINS");
    expect(suggestionOn(first, "serialNumber")).toEqual({
      field: "serialNumber", side: "client", source: "rule", basis: "rule", kept: 0, of: 0, confidence: 0,
      reason: "No past conflicts on Asset · Serial number yet (5 needed to learn from). By the rules, the device's edit is newer, and device edits are kept by default.",
    });

    // Four keep the saved value whole; one merges, keeping the saved serial number and the on-site location.
    for (const conflict of [first, await conflictOn(), await conflictOn(), await conflictOn()]) {
      expect((await resolve(conflict, { resolution: "SERVER_WINS" })).status).toBe(200);
    }
    const fourth = await conflictOn();
    expect(suggestionOn(fourth, "serialNumber")).toMatchObject({ side: "client", source: "rule", of: 4 });
    const merged = await resolve(fourth, { resolution: "MERGE", mergedData: { serialNumber: "S-office", location: "Roof" } });
    expect(merged.status).toBe(200);

    const next = await conflictOn();
    expect(suggestionOn(next, "serialNumber")).toMatchObject({
      side: "server", source: "learned", basis: "conditions", kept: 5, of: 5,
      reason: "Your team kept the saved value in 5 of 5 past conflicts on Asset · Serial number (a technician's edit, device edit newer).",
    });
    // Location: four saved, one on-site is a split, not a habit.
    expect(suggestionOn(next, "location")).toMatchObject({ side: "client", source: "rule", kept: 4, of: 5 });
    expect(suggestionOn(next, "location")!.reason).toMatch(/^Past choices on Asset · Location are split: 4 of 5 kept the saved value\./);

    // The stored conflict answers the same on the list and on lookup.
    const listed = await api.call("tech1", "GET", `/api/sync/conflicts?entityId=${next.entityId}`);
    expect(listed.body.conflicts[0].fieldSuggestions).toEqual(next.fieldSuggestions);
    const looked = await api.call("tech1", "POST", "/api/sync/conflicts/lookup", { conflictIds: [next.id] });
    expect(looked.body.conflicts[0].conflict.fieldSuggestions).toEqual(next.fieldSuggestions);

    // Another organization's history does not count.
    const foreign = await conflictOn({ user: "globex", other: "globex" });
    expect(suggestionOn(foreign, "serialNumber")).toMatchObject({ source: "rule", of: 0 });
  });
});
