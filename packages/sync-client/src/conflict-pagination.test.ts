// A device's conflicted edit stays queued until its own conflict is resolved, however many other
// conflicts the organization has open (the server's open-conflict list is paged, oldest first).
import { startTestServer, type TestServer } from "@fieldsync/testing/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loggedInDevice, type TestDevice } from "./test-support/device.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const others = 250;

async function renameAll(device: TestDevice, ids: readonly string[], suffix: string) {
  for (const id of ids) await device.engine.store.update("asset", id, { name: `Asset ${id.slice(0, 8)} ${suffix}` });
}

test(`with ${others} older open conflicts in the organization, a device keeps its conflicted edit until that conflict is resolved`, async () => {
  const writer = await loggedInDevice(server.url, "tech1@northwind.test", { name: "writer" });
  const crowd = await loggedInDevice(server.url, "tech2@northwind.test", { name: "crowd" });
  const phone = await loggedInDevice(server.url, "tech2@northwind.test", { name: "phone" });
  await writer.engine.sync();
  const fillers: string[] = [];
  for (let i = 0; i < others; i++) fillers.push(await writer.engine.store.create("asset", { name: `Filler ${i}` }));
  const target = await writer.engine.store.create("asset", { name: "Pump P-9" });
  await writer.engine.sync();
  await crowd.engine.sync();
  await phone.engine.sync();
  expect(await phone.engine.store.get("asset", target)).toMatchObject({ version: 1 });

  // Both sides edit the same field; the writer lands first, so the others conflict.
  await renameAll(crowd, fillers, "(crowd)");
  await phone.engine.store.update("asset", target, { name: "Pump P-9 (phone)" });
  await renameAll(writer, [...fillers, target], "(writer)");
  await writer.engine.sync();
  expect(await crowd.engine.sync()).toMatchObject({ conflicts: others });
  expect(await phone.engine.sync()).toMatchObject({ conflicts: 1 });
  const [waiting] = await phone.db.outbox.toArray();
  expect(waiting).toMatchObject({ status: "conflict", conflictId: expect.any(String) });

  // The next cycle refreshes conflicts: the phone's own is newer than the first page of the list.
  await phone.engine.sync();
  expect(await phone.db.outbox.toArray()).toEqual([expect.objectContaining({ changeId: waiting!.changeId, status: "conflict" })]);
  expect((await phone.engine.store.conflicts()).map((c) => c.id)).toContain(waiting!.conflictId);
  expect(await phone.engine.store.get("asset", target)).toMatchObject({ pending: 1, data: expect.objectContaining({ name: "Pump P-9 (phone)" }) });

  // Resolved on another device: now, and only now, the phone lets its edit go.
  await writer.engine.resolveConflict(waiting!.conflictId!, "SERVER_WINS");
  await phone.engine.sync();
  expect(await phone.db.outbox.count()).toBe(0);
  expect((await phone.engine.store.conflicts()).map((c) => c.id)).not.toContain(waiting!.conflictId);
  for (const device of [writer, crowd, phone]) device.close();
});
