import { randomUUID } from "node:crypto";
import type { DeltaResponse, EntityRef } from "@fieldsync/schema";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { create, update } from "@fieldsync/testing/changes";
import { seededAsset } from "@fieldsync/testing/demo";
import { type Api, setupApi } from "./test-kit.ts";

// Seeded Northwind assets: 1 Boiler "Basement, plant room", 2 Chiller "Roof", 3 Pump
// "Basement, riser 2", 4 Generator "Yard"; tasks on 1, 2, 3; schedules on 1 and 4.
const asset = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const task = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const schedule = (n: number) => `30000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

let api: Api;
beforeAll(async () => {
  api = await setupApi();
});
afterAll(() => api.close());

const subscribe = (deviceId: string, subscription: Record<string, unknown>) =>
  api.call("tech2", "PUT", "/api/sync/subscription", { deviceId, subscription });

async function drain(deviceId: string, pageToken?: string, pageSize = 100) {
  const pages: DeltaResponse[] = [];
  let token = pageToken;
  do {
    const response = await api.call("tech2", "POST", "/api/sync/delta", { deviceId, pageSize, ...(token && { pageToken: token }) });
    expect(response.status).toBe(200);
    pages.push(response.body);
    token = response.body.nextPageToken;
  } while (pages.at(-1)!.hasMore);
  return {
    changes: pages.flatMap((p) => p.changes),
    evict: pages.flatMap((p) => p.evict),
    token: token!,
    progress: pages.map((p) => p.progress),
  };
}

const ref = (entityType: string, entityId: string): EntityRef => ({ entityType, entityId }) as EntityRef;

describe("selective sync", () => {
  test("a location subscription evicts what left scope and delivers a snapshot of the new scope, with progress", async () => {
    const everything = await drain("basement-tablet");
    expect(everything.changes.map((c) => c.entityId)).toContain(asset(2));
    const response = await subscribe("basement-tablet", { locations: ["Basement"] });
    expect(response.status).toBe(200);
    expect(new Set(response.body.evict.map((e: EntityRef) => `${e.entityType}:${e.entityId}`))).toEqual(
      new Set([`asset:${asset(2)}`, `asset:${asset(4)}`, `task:${task(2)}`, `schedule:${schedule(2)}`]),
    );
    const scoped = await drain("basement-tablet", everything.token, 2);
    expect(new Set(scoped.changes.map((c) => c.entityId))).toEqual(new Set([asset(1), asset(3), task(1), task(3), schedule(1)]));
    expect(scoped.progress[0]).toEqual({ sent: 2, total: 5 });
  });

  test("later changes are filtered to the scope; an asset moving away is evicted; paging stays gap-free", async () => {
    const start = await drain("riser-tablet");
    await subscribe("riser-tablet", { locations: ["Basement"] });
    const scoped = await drain("riser-tablet", start.token);
    const inBasement = randomUUID();
    const onRoof = randomUUID();
    const moving = randomUUID();
    const tasks = [randomUUID(), randomUUID()];
    await api.push("tech1", "phone-a", [
      create(inBasement, { name: "Sump", location: "Basement, pit" }),
      create(onRoof, { name: "Fan", location: "Roof" }),
      create(moving, { name: "Cart", location: "Basement, store" }),
      create(tasks[0]!, { assetId: inBasement, title: "Test sump" }, "task"),
      create(tasks[1]!, { assetId: onRoof, title: "Grease fan" }, "task"),
    ]);
    await api.push("tech1", "phone-a", [update(moving, 1, { location: "Yard" })]);
    const later = await drain("riser-tablet", scoped.token, 2);
    expect(later.changes.map((c) => c.entityId)).toEqual([inBasement, moving, tasks[0]]);
    expect(later.evict).toEqual([ref("asset", moving)]);
  });

  test("an entity-type subscription sends only those types", async () => {
    await subscribe("assets-only", { entityTypes: ["asset"] });
    const { changes } = await drain("assets-only");
    expect(changes.length).toBeGreaterThan(0);
    expect(new Set(changes.map((c) => c.entityType))).toEqual(new Set(["asset"]));
  });

  test("a change queued offline for an entity that has left scope still lands", async () => {
    await subscribe("offline-tablet", { locations: ["Basement"] });
    const response = await api.push("tech2", "offline-tablet", [update(asset(2), 1, { notes: "edited before the scope changed" })]);
    expect(response.results[0]).toMatchObject({ status: "applied", version: 2 });
    expect((await api.db.asset.findFirstOrThrow({ where: { id: asset(2) } })).notes).toBe("edited before the scope changed");
    expect(response.changes.map((c) => c.entityId)).not.toContain(asset(2));
  });

  test("a subscription belongs to the caller's own device", async () => {
    await api.push("tech1", "owned-by-tech1", []);
    // tech2 can neither log in on tech1's device nor name it with a token of their own device.
    const login = await api.call(null, "POST", "/api/auth/login", { email: "tech2@northwind.test", password: "fieldsync-demo", deviceId: "owned-by-tech1" });
    expect(login).toMatchObject({ status: 403, body: { code: "DEVICE_OWNED_BY_ANOTHER_USER" } });
    const response = await api.app.inject({
      method: "PUT",
      url: "/api/sync/subscription",
      headers: { authorization: `Bearer ${await api.token("tech2")}` },
      payload: { deviceId: "owned-by-tech1", subscription: { locations: ["Roof"] } },
    });
    expect(response.json()).toMatchObject({ statusCode: 403, code: "DEVICE_MISMATCH" });
    expect(seededAsset).toBe(asset(1));
  });
});
