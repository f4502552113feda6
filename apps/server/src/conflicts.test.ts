import { randomUUID } from "node:crypto";
import type { Conflict, ResolveConflictResponse } from "@fieldsync/schema";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, remove, update } from "@fieldsync/testing/changes";
import { type UserName, seededAsset } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

/** An asset edited on two devices from version 1: tech2's edit wins the race, tech1's conflicts. */
async function conflictOn(payloads: { server: Record<string, unknown>; client: Record<string, unknown> }): Promise<Conflict> {
  const id = randomUUID();
  await api.push("tech1", "phone-a", [create(id, { name: "Boiler", location: "L1", notes: "n1" })]);
  await api.push("tech2", "tablet-b", [update(id, 1, payloads.server)]);
  const response = await api.push("tech1", "phone-a", [update(id, 1, payloads.client)]);
  expect(response.conflicts).toHaveLength(1);
  return response.conflicts[0]!;
}

const resolve = (user: UserName, body: Record<string, unknown>) => api.call(user, "POST", "/api/sync/conflicts/resolve", body);
const entity = (id: string) => api.db.asset.findFirstOrThrow({ where: { id } });

describe("resolving conflicts", () => {
  test("open conflicts are listed for the organization, and only for it", async () => {
    const conflict = await conflictOn({ server: { name: "A" }, client: { name: "B" } });
    const mine = await api.call("tech2", "GET", "/api/sync/conflicts");
    expect(mine.body.conflicts.map((c: Conflict) => c.id)).toContain(conflict.id);
    expect(mine.body.conflicts.find((c: Conflict) => c.id === conflict.id)).toMatchObject({ deviceId: "phone-a" });
    const foreign = await api.call("globex", "GET", "/api/sync/conflicts");
    expect(foreign.body.conflicts).toEqual([]);
  });

  test("a conflict says who made each side and when: the pushing device's user, and whoever wrote the server's version", async () => {
    const user = (email: string) => api.db.user.findUniqueOrThrow({ where: { email } });
    const [tara, theo, ada] = await Promise.all([user("tech1@northwind.test"), user("tech2@northwind.test"), user("admin@northwind.test")]);
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Valve" })]);
    await api.push("tech2", "tablet-b", [update(id, 1, { name: "Valve (Theo)" })]);
    const editedAt = "2026-11-30T06:00:00.000Z";
    const pushed = await api.push("tech1", "phone-a", [{ ...update(id, 1, { name: "Valve (Tara)" }), timestamp: editedAt }]);
    const theoWrote = await api.db.changeLog.findFirstOrThrow({ where: { entityId: id, version: 2 } });
    const sides = {
      clientEdit: { userId: tara.id, userName: "Tara Technician", deviceId: "phone-a", at: editedAt },
      serverEdit: { userId: theo.id, userName: "Theo Technician", deviceId: "tablet-b", at: theoWrote.createdAt.toISOString() },
    };
    expect(pushed.conflicts[0]).toMatchObject(sides);
    const listed = await api.call("admin", "GET", `/api/sync/conflicts?entityId=${id}`);
    expect(listed.body.conflicts).toMatchObject([sides]);

    // A version written by a resolution is the resolver's, from no device.
    await resolve("admin", { conflictId: pushed.conflicts[0]!.id, resolution: "CLIENT_WINS" });
    const adaWrote = await api.db.changeLog.findFirstOrThrow({ where: { entityId: id, version: 3 } });
    const late = await api.push("tech2", "tablet-b", [update(id, 2, { name: "Valve (late)" })]);
    expect(late.conflicts[0]).toMatchObject({
      clientEdit: { userId: theo.id, userName: "Theo Technician", deviceId: "tablet-b" },
      serverEdit: { userId: ada.id, userName: "Ada Admin", deviceId: null, deviceName: null, at: adaWrote.createdAt.toISOString() },
    });
  });

  test("lookup answers each named conflict's state, org-scoped, in request order, at most 100 ids", async () => {
    const open = await conflictOn({ server: { name: "A" }, client: { name: "B" } });
    const resolved = await conflictOn({ server: { name: "C" }, client: { name: "D" } });
    await resolve("tech2", { conflictId: resolved.id, resolution: "SERVER_WINS" });
    const missing = randomUUID();
    const lookup = (user: UserName, conflictIds: unknown) => api.call(user, "POST", "/api/sync/conflicts/lookup", { conflictIds });

    const answer = await lookup("tech2", [resolved.id, missing, open.id]);
    expect(answer.status).toBe(200);
    expect(answer.body.conflicts).toEqual([
      { conflictId: resolved.id, status: "resolved", conflict: expect.objectContaining({ id: resolved.id, resolution: "SERVER_WINS" }) },
      { conflictId: missing, status: "unknown", conflict: null },
      { conflictId: open.id, status: "open", conflict: expect.objectContaining({ id: open.id, deviceId: "phone-a", resolvedAt: null }) },
    ]);
    expect((await lookup("globex", [open.id])).body.conflicts).toEqual([{ conflictId: open.id, status: "unknown", conflict: null }]);

    const tooMany = await lookup("tech1", Array.from({ length: 101 }, () => randomUUID()));
    expect(tooMany).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED", issues: [expect.objectContaining({ path: "conflictIds" })] } });
    expect(await lookup("tech1", [])).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED" } });
  });

  test("CLIENT_WINS writes the client's data as a new version that other devices pull", async () => {
    const conflict = await conflictOn({ server: { name: "Server name" }, client: { name: "Client name", notes: "client" } });
    const watcher = await api.push("tech2", "tablet-b", []);
    const response = await resolve("tech1", { conflictId: conflict.id, resolution: "CLIENT_WINS" });
    expect(response.status).toBe(200);
    const body = response.body as ResolveConflictResponse;
    expect(body.conflict).toMatchObject({ resolution: "CLIENT_WINS", resolvedAt: expect.any(String) });
    expect(body.conflict.resolvedBy).toBe((await api.db.user.findUniqueOrThrow({ where: { email: "tech1@northwind.test" } })).id);
    expect(body.change).toMatchObject({ operation: "UPDATE", clientVersion: 3, payload: { name: "Client name", notes: "client" } });
    expect(await entity(conflict.entityId)).toMatchObject({ name: "Client name", notes: "client" });
    const pulled = await api.push("tech2", "tablet-b", [], watcher.syncToken);
    expect(pulled.changes.find((c) => c.entityId === conflict.entityId)).toMatchObject({ clientVersion: 3, payload: { name: "Client name" } });
  });

  test("SERVER_WINS keeps the server's data, as a new version the losing device receives", async () => {
    const conflict = await conflictOn({ server: { name: "Kept" }, client: { name: "Lost" } });
    const response = await resolve("tech2", { conflictId: conflict.id, resolution: "SERVER_WINS" });
    expect(response.body.change).toMatchObject({ clientVersion: 3, payload: { name: "Kept" } });
    expect((await entity(conflict.entityId)).name).toBe("Kept");
  });

  test("MERGE combines both sides, with mergedData deciding the fields both changed", async () => {
    const conflict = await conflictOn({ server: { name: "S", location: "server-loc" }, client: { name: "C", notes: "client-notes" } });
    const undecided = await resolve("tech1", { conflictId: conflict.id, resolution: "MERGE" });
    expect(undecided).toMatchObject({ status: 400, body: { code: "MERGE_DATA_REQUIRED" } });
    expect(undecided.body.issues.map((i: { path: string }) => i.path)).toEqual(["mergedData.name"]);
    const invalid = await resolve("tech1", { conflictId: conflict.id, resolution: "MERGE", mergedData: { name: "" } });
    expect(invalid).toMatchObject({ status: 400, body: { code: "VALIDATION_FAILED" } });
    const merged = await resolve("tech1", { conflictId: conflict.id, resolution: "MERGE", mergedData: { name: "Both" } });
    expect(merged.status).toBe(200);
    expect(await entity(conflict.entityId)).toMatchObject({ name: "Both", location: "server-loc", notes: "client-notes" });
  });

  test("MERGE data naming a task assignee from another organization answers 409 USER_NOT_FOUND and writes nothing", async () => {
    const gil = await api.db.user.findUniqueOrThrow({ where: { email: "tech@globex.test" } });
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { assetId: seededAsset, title: "Oil" }, "task")]);
    await api.push("tech2", "tablet-b", [update(id, 1, { title: "Oil pump" }, "task")]);
    const [conflict] = (await api.push("tech1", "phone-a", [update(id, 1, { title: "Oil fan" }, "task")])).conflicts;
    const answer = await resolve("tech1", { conflictId: conflict!.id, resolution: "MERGE", mergedData: { title: "Oil both", assigneeId: gil.id } });
    expect(answer).toMatchObject({ status: 409, body: { code: "USER_NOT_FOUND" } });
    expect(await api.db.task.findFirstOrThrow({ where: { id } })).toMatchObject({ title: "Oil pump", assigneeId: null });
    expect((await api.db.syncConflict.findUniqueOrThrow({ where: { id: conflict!.id } })).resolvedAt).toBeNull();
  });

  test("MANUAL leaves the conflict open and writes nothing", async () => {
    const conflict = await conflictOn({ server: { name: "X" }, client: { name: "Y" } });
    const response = await resolve("tech1", { conflictId: conflict.id, resolution: "MANUAL" });
    expect(response.body).toMatchObject({ conflict: { resolution: "MANUAL", resolvedAt: null }, change: null });
    expect((await api.db.syncMetadata.findFirstOrThrow({ where: { entityId: conflict.entityId } })).version).toBe(2);
  });

  test("a resolved conflict cannot be resolved again", async () => {
    const conflict = await conflictOn({ server: { name: "1" }, client: { name: "2" } });
    await resolve("tech1", { conflictId: conflict.id, resolution: "SERVER_WINS" });
    const again = await resolve("tech1", { conflictId: conflict.id, resolution: "CLIENT_WINS" });
    expect(again).toMatchObject({ status: 409, body: { code: "CONFLICT_ALREADY_RESOLVED" } });
  });

  test("if the entity changed since, the conflict is refreshed and the user asked again (409)", async () => {
    const conflict = await conflictOn({ server: { name: "v2" }, client: { name: "mine" } });
    await api.push("tech2", "tablet-b", [update(conflict.entityId, 2, { name: "v3" })]);
    const stale = await resolve("tech1", { conflictId: conflict.id, resolution: "CLIENT_WINS" });
    expect(stale).toMatchObject({ status: 409, body: { code: "CONFLICT_STALE" } });
    const refreshed = await api.db.syncConflict.findUniqueOrThrow({ where: { id: conflict.id } });
    expect(refreshed).toMatchObject({ serverVersion: 3, serverData: expect.objectContaining({ name: "v3" }), resolvedAt: null });
    const retried = await resolve("tech1", { conflictId: conflict.id, resolution: "CLIENT_WINS" });
    expect(retried.status).toBe(200);
    expect((await entity(conflict.entityId)).name).toBe("mine");
  });

  test("CLIENT_WINS on an entity deleted meanwhile brings it back; a delete conflict can win too", async () => {
    const id = randomUUID();
    await api.push("tech1", "phone-a", [create(id, { name: "Phoenix" })]);
    await api.push("tech2", "tablet-b", [remove(id, 1)]);
    const edit = await api.push("tech1", "phone-a", [update(id, 1, { notes: "keep me" })]);
    const revived = await resolve("tech1", { conflictId: edit.conflicts[0]!.id, resolution: "CLIENT_WINS" });
    expect(revived.body.change).toMatchObject({ operation: "CREATE", clientVersion: 3, payload: { name: "Phoenix", notes: "keep me" } });
    await api.push("tech2", "tablet-b", [update(id, 3, { name: "Phoenix 2" })]);
    const deletion = await api.push("tech1", "phone-a", [remove(id, 3)]);
    const removed = await resolve("tech1", { conflictId: deletion.conflicts[0]!.id, resolution: "CLIENT_WINS" });
    expect(removed.body.change).toMatchObject({ operation: "DELETE", clientVersion: 5 });
    expect(await api.db.asset.count({ where: { id } })).toBe(0);
  });

  test("another organization's conflict answers 404, exactly like a missing one, and stays open", async () => {
    const conflict = await conflictOn({ server: { name: "P" }, client: { name: "Q" } });
    const foreign = await resolve("globex", { conflictId: conflict.id, resolution: "CLIENT_WINS" });
    const missing = await resolve("globex", { conflictId: randomUUID(), resolution: "CLIENT_WINS" });
    expect(foreign).toEqual(missing);
    expect(foreign.status).toBe(404);
    expect((await api.db.syncConflict.findUniqueOrThrow({ where: { id: conflict.id } })).resolvedAt).toBeNull();
  });
});
