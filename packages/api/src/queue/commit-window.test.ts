// The worker's nudges are coalesced per commit window per organization: a burst of queued pushes
// (four devices, 250 changes each: 10 transactions of the worker) is announced once when the
// first commit lands and once when the window closes, not once per 100 changes. Real PostgreSQL
// and Redis; the window is closed by hand, so what is counted does not depend on timing.
import { randomUUID } from "node:crypto";
import type { Db, Prisma } from "@fieldsync/db";
import type { TestDatabase } from "@fieldsync/db/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { commitWindows } from "../realtime/commit-window.ts";
import type { ChangeNotifier } from "../context.ts";
import { type ChangeNudge, createRedisNotifier, redisChannels } from "../realtime/notifier.ts";
import { change, seededWriter } from "../seeded-writer.ts";
import { processQueuedChange } from "./process-change.ts";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `test-${randomUUID()}`;
let database: TestDatabase;
let db: Db;
let orgId: string;
let userId: string;
let publisher: Redis;
let listener: Redis;
const heard: ChangeNudge[] = [];

beforeAll(async () => {
  let writer;
  ({ database, db, writer } = await seededWriter("burst-0"));
  ({ orgId, userId } = writer);
  publisher = new Redis(redisUrl);
  listener = new Redis(redisUrl);
  await listener.subscribe(redisChannels(prefix).changes);
  listener.on("message", (_channel: string, message: string) => heard.push(JSON.parse(message) as ChangeNudge));
});
afterAll(async () => {
  publisher?.disconnect();
  listener?.disconnect();
  await database?.drop();
});

/** A device with `count` asset creations waiting in SyncQueue, as a queued push leaves them; returns its first row. */
async function queuedPush(deviceId: string, count: number): Promise<string> {
  const client = await db.syncClient.upsert({ where: { orgId_deviceId: { orgId, deviceId } }, create: { orgId, userId, deviceId }, update: {} });
  const rows = Array.from({ length: count }, (_, i) => {
    const c = change("asset", randomUUID(), "CREATE", 0, { name: `${deviceId} ${i}` });
    return {
      orgId,
      clientId: client.id,
      changeId: c.changeId!,
      idempotencyKey: c.changeId!,
      fingerprint: c.changeId!,
      entityType: c.entityType,
      entityId: c.entityId,
      operation: c.operation,
      payload: c.payload as Prisma.InputJsonObject,
      clientVersion: c.clientVersion,
      clientTimestamp: new Date(c.timestamp),
    };
  });
  await db.syncQueue.createMany({ data: rows });
  return (await db.syncQueue.findFirstOrThrow({ where: { clientId: client.id }, orderBy: { seq: "asc" } })).id;
}

/** Windows whose timer has run out are closed by `closeWindows`. */
function manualTimer() {
  const due: (() => void)[] = [];
  return { timer: (close: () => void) => void due.push(close), closeWindows: () => due.splice(0).forEach((close) => close()), due };
}

function counted(inner: ChangeNotifier) {
  const published: string[] = [];
  const notifier: ChangeNotifier = {
    deviceRevoked: inner.deviceRevoked,
    publish: async (org, live) => {
      published.push(org);
      await inner.publish(org, live);
    },
  };
  return { notifier, published };
}

test("a burst of queued pushes is announced once per commit window, with the newest position", async () => {
  const { notifier, published } = counted(createRedisNotifier(db, publisher, prefix));
  const windows = manualTimer();
  const deps = { db, notifier: commitWindows(notifier, 50, windows.timer) };
  const options = { maxAttempts: 3, lockTimeoutMs: 10_000 };
  const jobs = await Promise.all(["burst-1", "burst-2", "burst-3", "burst-4"].map((device) => queuedPush(device, 250)));

  const processed = await Promise.all(jobs.map((job) => processQueuedChange(deps, job, options)));
  expect(processed.map((p) => p.processed)).toEqual([250, 250, 250, 250]);
  // Ten transactions committed while one window was open: one announcement, at the first.
  expect(published).toEqual([orgId]);

  windows.closeWindows();
  // One more as the window closes, covering everything committed in it.
  await vi.waitFor(() => expect(heard).toHaveLength(2), { timeout: 20_000, interval: 20 });
  expect(published).toEqual([orgId, orgId]);
  const [newest] = await db.$queryRaw<{ txid: string }[]>`SELECT max("txid")::text AS txid FROM "ChangeLog" WHERE "orgId" = ${orgId}`;
  expect(heard[1]!.position).toBe(newest!.txid);

  // A window with nothing new ends without a word; the next commit is announced at once.
  windows.closeWindows();
  expect(windows.due).toHaveLength(0);
  expect(published).toHaveLength(2);
  await processQueuedChange(deps, await queuedPush("burst-5", 10), options);
  expect(published).toHaveLength(3);
}, 120_000);
